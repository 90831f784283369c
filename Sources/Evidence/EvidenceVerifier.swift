import Archive
import Crypto
import ExportFileFormat
import Foundation
import HexDigest
import SwiftASN1
import X509
import _CryptoExtras

/// What `evidence verify` found.
public struct EvidenceVerification: Sendable, Codable {
    public var directory: String
    public var filesChecked = 0
    public var signatureValid = false
    /// Clips whose Export File Format signature was checked.
    public var sealsChecked = 0
    public var publicKey: String?
    /// One line per difference, each naming the file.
    public var problems: [String] = []
    public var ok: Bool { problems.isEmpty }
}

/// Recomputes every hash of a package and checks the manifest's signature against the
/// manifest's key, or against a key the verifier trusts (given on the command line).
public enum EvidenceVerifier {
    public static func verify(directory: String, trustedPublicKeyHex: String? = nil) -> EvidenceVerification {
        var result = EvidenceVerification(directory: directory)
        let manifestPath = directory + "/manifest.json"
        guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
            result.problems.append("manifest.json: missing or unreadable")
            return result
        }
        let manifest: EvidenceManifest
        do { manifest = try JSONDecoder().decode(EvidenceManifest.self, from: manifestData) } catch {
            result.problems.append("manifest.json: not a valid manifest (\(error))")
            return result
        }
        result.publicKey = trustedPublicKeyHex ?? manifest.publicKey
        checkSignature(manifestData, manifest: manifest, trusted: trustedPublicKeyHex, directory: directory, into: &result)
        if let chain = manifest.clipSigningChain { check(chain, directory: directory, into: &result) }
        for part in manifest.channels.flatMap(\.parts) {
            for entry in [part.video] + part.subtitles {
                check(entry, directory: directory, into: &result)
            }
            if part.seal != nil {
                checkSeal(part.video, certificateSHA256: manifest.clipCertificateSHA256, directory: directory, into: &result)
            }
        }
        return result
    }

    /// A clip's Export File Format seal: there, signed by the certificate the manifest names,
    /// and matching every byte of the clip.
    static func checkSeal(
        _ entry: EvidenceManifest.FileEntry, certificateSHA256: String?, directory: String, into result: inout EvidenceVerification
    ) {
        guard !entry.file.contains("/") else { return }
        let path = directory + "/" + entry.file
        do {
            let sealed = try SealedFile.read(path: path)
            let certificateHash = Array(SHA256.hash(data: sealed.certificateDER)).lowercaseHex
            if certificateHash != certificateSHA256 {
                result.problems.append(
                    "\(entry.file): signed by a certificate (SHA-256 \(certificateHash)) other than the one the manifest names")
            }
            let certificate = try Certificate(derEncoded: sealed.certificateDER)
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                result.problems.append("\(entry.file): its certificate holds no RSA key")
                return
            }
            let signature = _RSA.Signing.RSASignature(rawRepresentation: sealed.signature)
            result.sealsChecked += 1
            if !key.isValidSignature(signature, for: try sealed.signedDigest(path: path), padding: .PSS) {
                result.problems.append("\(entry.file): its Export File Format signature does not match its bytes (the clip was changed)")
            }
        } catch {
            result.problems.append("\(entry.file): its Export File Format seal cannot be checked: \(error)")
        }
    }

    private static func checkSignature(
        _ data: Data, manifest: EvidenceManifest, trusted: String?, directory: String,
        into result: inout EvidenceVerification
    ) {
        if let trusted, trusted.lowercased() != manifest.publicKey.lowercased() {
            result.problems.append("manifest.json: signed for key \(manifest.publicKey), not the trusted key \(trusted)")
        }
        guard let signatureText = FileManager.default.contents(atPath: directory + "/manifest.json.sig"),
            let signature = Data(
                base64Encoded: String(decoding: signatureText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            result.problems.append("manifest.json.sig: missing or not base64")
            return
        }
        do {
            let key = try EvidenceSigningKey.publicKey(hex: trusted ?? manifest.publicKey)
            result.signatureValid = key.isValidSignature(signature, for: data)
            if !result.signatureValid {
                result.problems.append("manifest.json: the signature does not match (the manifest was changed, or signed by another key)")
            }
        } catch {
            result.problems.append("manifest.json: unusable public key (\(error))")
        }
    }

    private static func check(_ entry: EvidenceManifest.FileEntry, directory: String, into result: inout EvidenceVerification) {
        guard !entry.file.contains("/"), entry.file != ".." else {
            result.problems.append("\(entry.file): refused (path outside the package)")
            return
        }
        let path = directory + "/" + entry.file
        result.filesChecked += 1
        guard let digest = try? BlobStore.digest(of: path) else {
            result.problems.append("\(entry.file): missing")
            return
        }
        if digest.size != entry.size { result.problems.append("\(entry.file): size \(digest.size), manifest says \(entry.size)") }
        if digest.sha256 != entry.sha256 {
            result.problems.append("\(entry.file): SHA-256 \(digest.sha256), manifest says \(entry.sha256)")
        }
    }
}
