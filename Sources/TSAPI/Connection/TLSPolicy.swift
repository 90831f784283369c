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

    /// A name to send as SNI where the host is an IP address (TLS forbids IPs in SNI).
    static let placeholderSNI = "recorder.invalid"

    /// The WebSocket client sends the URL's host as SNI and checks the certificate against that
    /// same name; an IP address is not allowed there. For a recorder addressed by IP the socket
    /// therefore sends a placeholder SNI and trusts exactly the certificates of the CA file
    /// without a name check — the file acts as a pin — and without a CA file it refuses rather
    /// than accept any publicly signed certificate. Returns the configuration and the SNI name.
    static func webSocketConfiguration(for settings: ConnectionSettings) throws -> (TLSConfiguration, sni: String?)? {
        guard var tls = try configuration(for: settings) else { return nil }
        guard let host = settings.baseURL.host, isIPAddress(host) else { return (tls, nil) }
        guard settings.tls.caFile != nil else {
            throw TSAPIError.tls(
                server: settings.name, detail: "the export socket to IP address \(host) needs the recorder's certificate as CA file")
        }
        tls.certificateVerification = .noHostnameVerification
        return (tls, placeholderSNI)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }
}
