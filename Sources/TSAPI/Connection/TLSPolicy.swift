import Foundation
import NIOSSL

/// Builds the NIOSSL client configuration for a recorder: system roots and full verification
/// by default; a given CA file (or the recorder's own self-signed certificate) replaces the
/// roots, with the host name still checked. There is no switch that turns verification off.
enum TLSPolicy {
    static func configuration(for settings: ConnectionSettings) throws -> TLSConfiguration? {
        guard settings.isTLS else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile = settings.tls.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw TSAPIError.invalidSettings("cannot read CA file \(caFile): \(error)")
            }
        }
        return tls
    }
}
