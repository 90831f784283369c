import Crypto
import ExportFileFormat
import Foundation
import HexDigest
import SwiftASN1
import X509
import _CryptoExtras

/// Who signs Export File Format clips: an RSA key and its X.509 certificate chain (leaf first),
/// kept under `<archive>/keys/` as `clip-signing.key` (PKCS#8 PEM, owner-only) and
/// `clip-signing-chain.pem`. Made by `tsvault evidence init` (a self-signed certificate) or
/// brought by the operator (a chain from the site's own CA); made self-signed on first use
/// otherwise. The Ed25519 key still signs each package's manifest.
public struct ClipSigningIdentity: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey
    /// Leaf first.
    public let chain: [Certificate]

    public static func keyPath(archiveRoot: String) -> String { archiveRoot + "/keys/clip-signing.key" }
    public static func chainPath(archiveRoot: String) -> String { archiveRoot + "/keys/clip-signing-chain.pem" }

    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, a 32-byte salt (swift-crypto's PSS): the
    /// `sigC` AlgorithmIdentifier (RFC 4055), since the format's default salt is 20 bytes.
    public static let algorithmIdentifierDER: [UInt8] = [
        0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09,
        0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
        0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2,
        0x03, 0x02, 0x01, 0x20
    ]

    /// The leaf certificate's subject, as text.
    public var subject: String { chain[0].subject.description }

    public static let algorithmName = "RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt length 32"

    public var certificateDER: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(chain[0])
            return serializer.serializedBytes
        }
    }

    /// SHA-256 of the leaf certificate (DER), as the manifest records it.
    public var certificateSHA256: String {
        get throws { Array(SHA256.hash(data: try certificateDER)).lowercaseHex }
    }

    /// The identity under the archive's keys, made (self-signed for `subject`) when there is none.
    public static func loadOrCreate(archiveRoot: String, subject: @autoclosure () -> String) throws -> ClipSigningIdentity {
        if FileManager.default.fileExists(atPath: keyPath(archiveRoot: archiveRoot)) { return try load(archiveRoot: archiveRoot) }
        return try create(archiveRoot: archiveRoot, subject: subject())
    }

    public static func load(archiveRoot: String) throws -> ClipSigningIdentity {
        let keyFile = keyPath(archiveRoot: archiveRoot)
        try requireOwnerOnly(keyFile)
        let chainFile = chainPath(archiveRoot: archiveRoot)
        guard let keyText = try? String(contentsOfFile: keyFile, encoding: .utf8),
            let chainText = try? String(contentsOfFile: chainFile, encoding: .utf8)
        else { throw EvidenceError.key("cannot read \(keyFile) and \(chainFile); tsvault evidence init makes them") }
        return try identity(keyPEM: keyText, chainPEM: chainText, keyFile: keyFile, chainFile: chainFile)
    }

    /// A new 3072-bit key and a self-signed certificate for `subject`, valid 10 years.
    public static func create(archiveRoot: String, subject: String, now: Date = Date()) throws -> ClipSigningIdentity {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits3072)
        let name = try DistinguishedName {
            CommonName(subject)
            OrganizationName("tsvault evidence")
        }
        var serial = [UInt8](repeating: 0, count: 16)
        for index in serial.indices { serial[index] = UInt8.random(in: 0...255) }
        serial[0] &= 0x7f
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial[...]), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(3650 * 86_400), issuer: name,
            subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
            }, issuerPrivateKey: .init(key))
        let identity = ClipSigningIdentity(privateKey: key, chain: [certificate])
        try identity.store(archiveRoot: archiveRoot)
        return identity
    }

    /// Takes the operator's key and chain (PEM files; the key readable by its owner only) after
    /// checking that the first certificate is the key's.
    public static func importFiles(archiveRoot: String, keyFile: String, chainFile: String) throws -> ClipSigningIdentity {
        try requireOwnerOnly(keyFile)
        guard let keyText = try? String(contentsOfFile: keyFile, encoding: .utf8) else { throw EvidenceError.key("cannot read \(keyFile)") }
        guard let chainText = try? String(contentsOfFile: chainFile, encoding: .utf8) else {
            throw EvidenceError.key("cannot read \(chainFile)")
        }
        let identity = try identity(keyPEM: keyText, chainPEM: chainText, keyFile: keyFile, chainFile: chainFile)
        try identity.store(archiveRoot: archiveRoot)
        return identity
    }

    static func identity(keyPEM: String, chainPEM: String, keyFile: String, chainFile: String) throws -> ClipSigningIdentity {
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(pemRepresentation: keyPEM) } catch {
            throw EvidenceError.key("\(keyFile) is not an RSA private key in PEM of at least 2048 bits: \(error)")
        }
        let chain: [Certificate]
        do { chain = try PEMDocument.parseMultiple(pemString: chainPEM).map { try Certificate(derEncoded: $0.derBytes) } } catch {
            throw EvidenceError.key("\(chainFile) is not a PEM certificate chain: \(error)")
        }
        guard let leaf = chain.first else { throw EvidenceError.key("\(chainFile) holds no certificate") }
        guard _RSA.Signing.PublicKey(leaf.publicKey)?.derRepresentation == key.publicKey.derRepresentation else {
            throw EvidenceError.key("the first certificate of \(chainFile) is not the certificate of \(keyFile)")
        }
        return ClipSigningIdentity(privateKey: key, chain: chain)
    }

    private func store(archiveRoot: String) throws {
        let directory = archiveRoot + "/keys"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyFile = Self.keyPath(archiveRoot: archiveRoot)
        let chainFile = Self.chainPath(archiveRoot: archiveRoot)
        guard !FileManager.default.fileExists(atPath: keyFile) else {
            throw EvidenceError.key("\(keyFile) exists; move it away first to replace the clip-signing identity")
        }
        // Created owner-only from the start: never readable by others, not even briefly.
        let fd = open(keyFile, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw EvidenceError.key("cannot create \(keyFile): \(String(cString: strerror(errno)))") }
        let pem = Array(privateKey.pkcs8PEMRepresentation.utf8)
        let written = pem.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == pem.count else { throw EvidenceError.key("cannot write \(keyFile)") }
        let chainText = try chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
        try Data(chainText.utf8).write(to: URL(fileURLWithPath: chainFile), options: .atomic)
    }

    /// A key file that group or others can read is refused, as secret files are.
    static func requireOwnerOnly(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw EvidenceError.key("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & 0o077 == 0 else {
            throw EvidenceError.key(
                "\(path) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it: a signing key is a secret")
        }
    }

    /// The seal of a clip signed by this identity.
    public func seal(exportUnit: String, operatorName: String, source: ExportSeal.Source, exportTime: Date) throws -> ExportSeal {
        let key = privateKey
        return ExportSeal(
            exportUnitName: exportUnit, exportUnitURL: "", exportTime: exportTime, exportOperator: operatorName, source: source,
            certificateDER: try certificateDER, signatureLength: key.keySizeInBits / 8,
            algorithmIdentifierDER: Self.algorithmIdentifierDER,
            sign: { digest in Array(try key.signature(for: digest, padding: .PSS).rawRepresentation) })
    }
}
