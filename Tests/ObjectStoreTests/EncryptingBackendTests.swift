import Crypto
import Foundation
import ObjectStore
import Testing

/// What the encryption must refuse: another key, altered or swapped ciphertext, a key file
/// others can read. (That it is transparent is the conformance suite's part.)
@Suite struct EncryptingBackendTests {
    static func store() throws -> (LocalDirectoryBackend, String) {
        let root = NSTemporaryDirectory() + "encrypting-\(UUID().uuidString)"
        return (try LocalDirectoryBackend(root: root), root)
    }

    @Test func theStoreHoldsNoPlaintextAndAnotherKeyCannotReadIt() async throws {
        let (base, root) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let secret = Array(repeating: Array("camera 3 sees the door ".utf8), count: 100_000).flatMap { $0 }
        let store = EncryptingBackend(base, key: SymmetricKey(size: .bits256))
        #expect(try await store.put("blobs/k", bytes: secret, ifAbsent: true) == .stored)
        let raw = try await base.get("blobs/k")
        #expect(raw.count == secret.count + 13 + 16 * 3, "header and one tag per MiB chunk")
        #expect(!Data(raw).contains(Data("camera 3 sees".utf8)), "no plaintext in the store")
        let other = EncryptingBackend(base, key: SymmetricKey(size: .bits256))
        let error = await #expect(throws: ObjectStoreError.self) { _ = try await other.get("blobs/k") }
        #expect("\(String(describing: error))".contains("does not decrypt with key \(other.keyID)"))
    }

    @Test func alteredTruncatedOrSwappedCiphertextIsRefused() async throws {
        let (base, root) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = EncryptingBackend(base, key: SymmetricKey(size: .bits256))
        let content = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        _ = try await store.put("a", bytes: content, ifAbsent: true)
        _ = try await store.put("b", bytes: content, ifAbsent: true)
        var raw = try await base.get("a")
        raw[2_000_000] ^= 1
        _ = try await base.put("a", bytes: raw, ifAbsent: false)
        await #expect(throws: ObjectStoreError.self) { _ = try await store.get("a") }
        // Chunks 0 and 1 are intact: a range inside them still reads; one touching chunk 1 does not.
        #expect(try await store.get("a", range: 0..<1000) == Array(content[0..<1000]))
        await #expect(throws: ObjectStoreError.self) { _ = try await store.get("a", range: 1_999_000..<2_001_000) }
        let b = try await base.get("b")
        _ = try await base.put("c", bytes: Array(b.prefix(b.count - 1_048_592)), ifAbsent: true)
        await #expect(throws: ObjectStoreError.self) { _ = try await store.get("c") }
        _ = try await base.put("d", bytes: b, ifAbsent: true)
        await #expect(throws: ObjectStoreError.self) { _ = try await store.get("d") }
    }

    @Test func aKeyFileIsCreatedPrivateAndOneOthersCanReadIsRefused() throws {
        let directory = NSTemporaryDirectory() + "keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/target.key"
        let created = try EncryptingBackend.loadKey(path: path, create: true)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let again = try EncryptingBackend.loadKey(path: path)
        #expect(created == again)
        chmod(path, 0o644)
        let error = #expect(throws: ObjectStoreError.self) { _ = try EncryptingBackend.loadKey(path: path) }
        #expect("\(String(describing: error))".contains("chmod 600"))
    }
}
