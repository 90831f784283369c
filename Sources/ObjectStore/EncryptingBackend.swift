import Crypto
import Foundation
import HexDigest
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Client-side encryption around any backend, so that an offsite target can be trusted with
/// footage without trusting whoever runs it: every object is AES-256-GCM in chunks, with a
/// per-target key from a key file. The wrapped store sees only ciphertext; callers see the
/// plaintext and its sizes, so the conformance suite runs on it unchanged.
///
/// Format of an object: `TSVE` (4 bytes), format 1 (1 byte), a random 8-byte nonce prefix,
/// then the plaintext in chunks of 1 MiB, each sealed with the nonce `prefix ‖ chunk index`
/// (big-endian UInt32) and the authenticated data `key ‖ final-chunk flag`, each followed by
/// its 16-byte tag. Binding the object's key means a stored object cannot be swapped for
/// another; the final-chunk flag means a truncated object does not decrypt. A ranged read
/// fetches and opens only the chunks it needs.
///
/// Keys are left as the caller names them (blobs by their plaintext SHA-256): the operator
/// of the store can tell which known segments it holds, never what they show.
public struct EncryptingBackend: ObjectBackend {
    public let base: any ObjectBackend
    let key: SymmetricKey
    /// The first 16 hex digits of the key's SHA-256, recorded in the target's identity so a
    /// wrong key file is named before anything is read or written.
    public let keyID: String
    /// Where sealed copies of files are written on their way up and down (never beside the
    /// caller's file: that may be in the archive's blob directory).
    let scratch: String

    static var magic: [UInt8] { Array("TSVE".utf8) + [1] }
    static var headerSize: Int { 5 + 8 }
    static var chunkSize: Int { 1 << 20 }
    static var tagSize: Int { 16 }

    public init(_ base: any ObjectBackend, key: SymmetricKey, scratch: String = NSTemporaryDirectory()) {
        self.base = base
        self.key = key
        self.scratch = scratch
        keyID = String(key.withUnsafeBytes { SHA256.hash(data: $0) }.lowercaseHex.prefix(16))
    }

    /// A key file holds 32 random bytes as 64 hex digits (first line); it must be readable by
    /// its owner alone. `create` writes a new one (mode 0600) where there is none.
    public static func loadKey(path: String, create: Bool = false) throws -> SymmetricKey {
        if create, !FileManager.default.fileExists(atPath: path) {
            let fresh = SymmetricKey(size: .bits256)
            let hex = fresh.withUnsafeBytes { Array($0) }.lowercaseHex + "\n"
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LocalDirectoryBackend.error(path) }
            defer { close(fd) }
            try Array(hex.utf8).withUnsafeBytes { try LocalDirectoryBackend.writeAll(fd, $0, path: path) }
            guard fsync(fd) == 0 else { throw LocalDirectoryBackend.error(path) }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw ObjectStoreError.io(path: path, detail: "cannot read the key file") }
        guard info.st_mode & 0o077 == 0 else {
            throw ObjectStoreError.io(path: path, detail: "the key file is readable by group or others; chmod 600 it")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(whereSeparator: \.isNewline).first, line.count == 64,
            let bytes = Self.bytes(fromHex: String(line))
        else { throw ObjectStoreError.io(path: path, detail: "not a key file (64 hex digits on the first line)") }
        return SymmetricKey(data: bytes)
    }

    static func bytes(fromHex hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    public var location: String { base.location + " (encrypted, key \(keyID))" }

    // MARK: sizes

    static func chunkCount(plain: Int64) -> Int64 { max(1, (plain + Int64(chunkSize) - 1) / Int64(chunkSize)) }

    static func cipherSize(plain: Int64) -> Int64 { Int64(headerSize) + plain + Int64(tagSize) * chunkCount(plain: plain) }

    static func plainSize(cipher: Int64) -> Int64? {
        let body = cipher - Int64(headerSize)
        guard body >= Int64(tagSize) else { return nil }
        let chunks = (body + Int64(chunkSize + tagSize) - 1) / Int64(chunkSize + tagSize)
        let plain = body - Int64(tagSize) * chunks
        return cipherSize(plain: plain) == cipher ? plain : nil
    }

    // MARK: sealing

    func nonce(_ prefix: [UInt8], _ index: Int) throws -> AES.GCM.Nonce {
        let counter = UInt32(index)
        return try AES.GCM.Nonce(
            data: prefix + [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)])
    }

    func aad(_ objectKey: String, final: Bool) -> [UInt8] { Array(objectKey.utf8) + [final ? 1 : 0] }

    func seal(_ chunk: UnsafeRawBufferPointer, objectKey: String, prefix: [UInt8], index: Int, final: Bool) throws -> [UInt8] {
        let box = try AES.GCM.seal(chunk, using: key, nonce: try nonce(prefix, index), authenticating: aad(objectKey, final: final))
        return Array(box.ciphertext) + Array(box.tag)
    }

    func open(_ sealed: ArraySlice<UInt8>, objectKey: String, prefix: [UInt8], index: Int, final: Bool) throws -> [UInt8] {
        guard sealed.count >= Self.tagSize else { throw ObjectStoreError.io(path: objectKey, detail: "a truncated encrypted chunk") }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: try nonce(prefix, index), ciphertext: sealed.dropLast(Self.tagSize), tag: sealed.suffix(Self.tagSize))
            return Array(try AES.GCM.open(box, using: key, authenticating: aad(objectKey, final: final)))
        } catch {
            throw ObjectStoreError.io(
                path: "\(base.location)/\(objectKey)", detail: "does not decrypt with key \(keyID) (a wrong key, or the object was altered)"
            )
        }
    }

    /// Decrypts a whole object.
    func decrypt(_ sealed: [UInt8], objectKey: String) throws -> [UInt8] {
        guard sealed.count >= Self.headerSize, Array(sealed.prefix(5)) == Self.magic,
            let plain = Self.plainSize(cipher: Int64(sealed.count))
        else { throw ObjectStoreError.io(path: "\(base.location)/\(objectKey)", detail: "not an object encrypted by tsvault") }
        let prefix = Array(sealed[5..<13])
        let chunks = Int(Self.chunkCount(plain: plain))
        var out: [UInt8] = []
        out.reserveCapacity(Int(plain))
        for index in 0..<chunks {
            let start = Self.headerSize + index * (Self.chunkSize + Self.tagSize)
            let end = min(start + Self.chunkSize + Self.tagSize, sealed.count)
            out += try open(sealed[start..<end], objectKey: objectKey, prefix: prefix, index: index, final: index == chunks - 1)
        }
        return out
    }

    // MARK: ObjectBackend

    /// `sealed-<pid>-…`: named after the process, so an archive removes those of a killed one.
    func sealedPath() -> String { scratch + "/sealed-\(getpid())-\(UUID().uuidString)" }

    /// A missing object is reported as missing here, in the encrypted store.
    func relocated<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch ObjectStoreError.notFound(let key, _) {
            throw ObjectStoreError.notFound(key: key, location: location)
        }
    }

    public func put(_ objectKey: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(objectKey)
        return try await put(objectKey, source: BytesSource(bytes), ifAbsent: ifAbsent)
    }

    /// The file is sealed on its way up, a part at a time (`SealedSource`): no sealed copy is
    /// written to disk. With `sha256`, the plaintext is hashed first and must match.
    public func put(_ objectKey: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(objectKey)
        if let sha256 {
            let actual = try LocalDirectoryBackend.digest(of: file)
            guard actual == sha256 else { throw ObjectStoreError.contentMismatch(key: objectKey, expected: sha256, actual: actual) }
        }
        return try await put(objectKey, source: try FileSource(path: file), ifAbsent: ifAbsent)
    }

    public func put(_ objectKey: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(objectKey)
        return try await base.put(objectKey, source: SealedSource(self, plain: source, objectKey: objectKey), ifAbsent: ifAbsent)
    }

    public func get(_ objectKey: String, range: Range<Int64>?) async throws -> [UInt8] {
        try ObjectKey.validate(objectKey)
        guard let range else { return try decrypt(try await relocated { try await base.get(objectKey, range: nil) }, objectKey: objectKey) }
        guard !range.isEmpty, let cipher = try await base.head(objectKey) else {
            if range.isEmpty { throw ObjectStoreError.invalidRange(key: objectKey, range: range) }
            throw ObjectStoreError.notFound(key: objectKey, location: location)
        }
        guard let plain = Self.plainSize(cipher: cipher) else {
            throw ObjectStoreError.io(path: "\(base.location)/\(objectKey)", detail: "not an object encrypted by tsvault")
        }
        guard range.lowerBound < plain else { throw ObjectStoreError.invalidRange(key: objectKey, range: range) }
        let upper = min(range.upperBound, plain)
        let chunks = Int(Self.chunkCount(plain: plain))
        let first = Int(range.lowerBound / Int64(Self.chunkSize))
        let last = Int((upper - 1) / Int64(Self.chunkSize))
        let header = try await base.get(objectKey, range: 0..<Int64(Self.headerSize))
        guard Array(header.prefix(5)) == Self.magic else {
            throw ObjectStoreError.io(path: "\(base.location)/\(objectKey)", detail: "not an object encrypted by tsvault")
        }
        let stride = Int64(Self.chunkSize + Self.tagSize)
        let start = Int64(Self.headerSize) + Int64(first) * stride
        let end = min(Int64(Self.headerSize) + Int64(last + 1) * stride, cipher)
        let sealed = try await base.get(objectKey, range: start..<end)
        var plainBytes: [UInt8] = []
        for index in first...last {
            let from = Int(Int64(index - first) * stride)
            let to = min(from + Int(stride), sealed.count)
            plainBytes += try open(
                sealed[from..<to], objectKey: objectKey, prefix: Array(header[5..<13]), index: index, final: index == chunks - 1)
        }
        let offset = Int(range.lowerBound - Int64(first) * Int64(Self.chunkSize))
        return Array(plainBytes[offset..<offset + Int(upper - range.lowerBound)])
    }

    /// Downloads the ciphertext beside `path`, then decrypts it chunk by chunk into `path`.
    public func download(_ objectKey: String, to path: String) async throws -> Downloaded {
        try ObjectKey.validate(objectKey)
        let sealed = sealedPath()
        defer { unlink(sealed) }
        _ = try await relocated { try await base.download(objectKey, to: sealed) }
        do {
            return try decryptFile(sealed, to: path, objectKey: objectKey)
        } catch {
            unlink(path)
            throw error
        }
    }

    func decryptFile(_ sealed: String, to path: String, objectKey: String) throws -> Downloaded {
        guard let cipher = LocalDirectoryBackend.size(of: sealed), let plain = Self.plainSize(cipher: cipher) else {
            throw ObjectStoreError.io(path: "\(base.location)/\(objectKey)", detail: "not an object encrypted by tsvault")
        }
        let reader = try FileSource(path: sealed)
        let output = try LocalDirectoryBackend.create(path)
        defer { close(output) }
        let header = Array(try reader.bytes(at: 0, count: Self.headerSize).readableBytesView)
        guard Array(header.prefix(5)) == Self.magic else {
            throw ObjectStoreError.io(path: "\(base.location)/\(objectKey)", detail: "not an object encrypted by tsvault")
        }
        var hasher = SHA256()
        let chunks = Int(Self.chunkCount(plain: plain))
        let stride = Self.chunkSize + Self.tagSize
        for index in 0..<chunks {
            let start = Int64(Self.headerSize + index * stride)
            let sealedChunk = Array(try reader.bytes(at: start, count: Int(min(Int64(stride), cipher - start))).readableBytesView)
            let chunk = try open(
                sealedChunk[...], objectKey: objectKey, prefix: Array(header[5..<13]), index: index, final: index == chunks - 1)
            chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            try chunk.withUnsafeBytes { try LocalDirectoryBackend.writeAll(output, $0, path: path) }
        }
        return Downloaded(size: plain, sha256: hasher.finalize().lowercaseHex)
    }

    public func head(_ objectKey: String) async throws -> Int64? {
        try ObjectKey.validate(objectKey)
        return try await base.head(objectKey).flatMap(Self.plainSize(cipher:))
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        try await base.list(prefix: prefix).map { StoredObject(key: $0.key, size: Self.plainSize(cipher: $0.size) ?? $0.size) }
    }

    public func delete(_ keys: [String]) async throws { try await base.delete(keys) }
}

/// The ciphertext of a plaintext source, produced for whatever range is asked: the chunks that
/// range touches are read and sealed (a chunk straddling two parts is sealed twice, to the same
/// bytes: same key, nonce, plaintext and authenticated data).
struct SealedSource: ObjectSource {
    let backend: EncryptingBackend
    let plain: any ObjectSource
    let objectKey: String
    let noncePrefix: [UInt8]
    let size: Int64

    init(_ backend: EncryptingBackend, plain: any ObjectSource, objectKey: String) {
        self.backend = backend
        self.plain = plain
        self.objectKey = objectKey
        noncePrefix = (0..<8).map { _ in UInt8.random(in: 0...255) }
        size = EncryptingBackend.cipherSize(plain: plain.size)
    }

    func read(at offset: Int64, count: Int, into out: inout ByteBuffer) throws {
        let header = EncryptingBackend.magic + noncePrefix
        let end = offset + Int64(count)
        if offset < Int64(header.count) { out.writeBytes(header[Int(offset)..<min(header.count, Int(end))]) }
        let stride = Int64(EncryptingBackend.chunkSize + EncryptingBackend.tagSize)
        let body = Int64(EncryptingBackend.headerSize)
        guard end > body else { return }
        let chunks = Int(EncryptingBackend.chunkCount(plain: plain.size))
        let first = Int((max(offset, body) - body) / stride)
        let last = Int((end - 1 - body) / stride)
        for index in first...last {
            let plainStart = Int64(index) * Int64(EncryptingBackend.chunkSize)
            let chunk = try plain.bytes(at: plainStart, count: Int(min(Int64(EncryptingBackend.chunkSize), plain.size - plainStart)))
            let sealed = try chunk.withUnsafeReadableBytes {
                try backend.seal($0, objectKey: objectKey, prefix: noncePrefix, index: index, final: index == chunks - 1)
            }
            let sealedStart = body + Int64(index) * stride
            let from = Int(max(offset, sealedStart) - sealedStart)
            let to = Int(min(end, sealedStart + Int64(sealed.count)) - sealedStart)
            out.writeBytes(sealed[from..<to])
        }
    }
}
