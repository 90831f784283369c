import Crypto
import Foundation
import HexDigest

/// The archive's evidence signing key: Ed25519, created on first use under
/// `<archive>/keys/evidence-ed25519.key` with owner-only permissions.
public struct EvidenceSigningKey: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey
    public var publicKeyHex: String { privateKey.publicKey.rawRepresentation.lowercaseHex }

    public static func loadOrCreate(archiveRoot: String) throws -> EvidenceSigningKey {
        let directory = archiveRoot + "/keys"
        let path = directory + "/evidence-ed25519.key"
        if let data = FileManager.default.contents(atPath: path) {
            do { return EvidenceSigningKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data)) } catch {
                throw EvidenceError.key("\(path) is not an Ed25519 key: \(error)")
            }
        }
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        // Created with 0600 from the start: the key is never readable by others, not even briefly.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw EvidenceError.key("cannot create \(path): \(String(cString: strerror(errno)))") }
        let raw = [UInt8](key.rawRepresentation)
        let written = raw.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == raw.count else { throw EvidenceError.key("cannot write \(path)") }
        return EvidenceSigningKey(privateKey: key)
    }

    public func sign(_ data: Data) throws -> Data { try privateKey.signature(for: data) }

    public static func publicKey(hex: String) throws -> Curve25519.Signing.PublicKey {
        let clean = hex.lowercased().filter(\.isHexDigit)
        guard clean.count == 64 else { throw EvidenceError.key("a public key is 64 hex digits") }
        var bytes: [UInt8] = []
        var index = clean.startIndex
        while index < clean.endIndex {
            let next = clean.index(index, offsetBy: 2)
            bytes.append(UInt8(clean[index..<next], radix: 16)!)
            index = next
        }
        return try Curve25519.Signing.PublicKey(rawRepresentation: bytes)
    }
}

public enum EvidenceError: Error, Sendable, CustomStringConvertible {
    case key(String)
    case nothingArchived(String)
    case invalidInput(String)
    case unreadablePackage(String)

    public var description: String {
        switch self {
        case .key(let d): return "signing key: \(d)"
        case .nothingArchived(let d): return "nothing archived: \(d)"
        case .invalidInput(let d): return d
        case .unreadablePackage(let d): return "not an evidence package: \(d)"
        }
    }
}
