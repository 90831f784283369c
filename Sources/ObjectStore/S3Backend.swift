import Crypto
import Foundation
import HexDigest
import NIOCore

/// Objects in an S3-compatible bucket, under an optional prefix (`s3://bucket/site-a` keeps key
/// `blobs/ab/…` at `site-a/blobs/ab/…`), so several workers can share one bucket.
///
/// Files up to `partSize` go up in one PUT, their SHA-256 signed as the payload's hash (the
/// store checks it); larger ones as a multipart upload with up to `partsInFlight` parts sent at
/// once (so at most that many in memory), each part's SHA-256 checked by the store the same way
/// and the whole file's SHA-256 checked before the upload is completed — a mismatch aborts it
/// and nothing appears. Put-if-absent is a
/// conditional write (`If-None-Match: *`) when `conditionalWrites` is on (Ceph, AWS, MinIO),
/// and a HEAD before the write otherwise (and always before a multipart upload).
public struct S3Backend: ObjectBackend {
    public let client: S3Client
    public let prefix: String
    public var partSize: Int
    public var conditionalWrites: Bool
    public var listPageSize: Int
    /// Parts of one multipart upload sent concurrently: the client's hashing, the network and
    /// the gateway's work overlap instead of taking turns.
    public var partsInFlight: Int

    /// S3 refuses parts under 5 MiB (but the last).
    public static let minimumPartSize = 5 << 20

    public init(
        client: S3Client, prefix: String = "", partSize: Int = 16 << 20, conditionalWrites: Bool = true, listPageSize: Int = 1000,
        partsInFlight: Int = 4
    )
        throws
    {
        let bare = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        if !bare.isEmpty { try ObjectKey.validate(bare) }
        guard partSize >= Self.minimumPartSize else {
            throw ObjectStoreError.invalidKey(prefix, reason: "a part size of \(partSize) bytes is under S3's minimum of 5 MiB")
        }
        self.client = client
        self.prefix = bare
        self.partSize = partSize
        self.conditionalWrites = conditionalWrites
        self.listPageSize = listPageSize
        self.partsInFlight = max(1, partsInFlight)
    }

    public var location: String { "s3://\(client.location.bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }

    func fullKey(_ key: String) -> String { prefix.isEmpty ? key : prefix + "/" + key }

    public func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        return try await putWhole(key, ByteBuffer(bytes: bytes), sha256: nil, ifAbsent: ifAbsent)
    }

    public func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        let reader = try PartReader(path: file, partSize: partSize)
        defer { reader.close() }
        if reader.size <= Int64(partSize) {
            let data = try reader.part(0)
            let actual = data.withUnsafeReadableBytes { SHA256.hash(data: $0) }.lowercaseHex
            if let sha256, actual != sha256 { throw ObjectStoreError.contentMismatch(key: key, expected: sha256, actual: actual) }
            return try await putWhole(key, data, sha256: actual, ifAbsent: ifAbsent)
        }
        if ifAbsent, try await head(key) != nil { return .alreadyPresent }
        try await putInParts(key, reader: reader, sha256: sha256)
        return .stored
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8] {
        try ObjectKey.validate(key)
        if let range, range.isEmpty { throw ObjectStoreError.invalidRange(key: key, range: range) }
        do {
            return [UInt8](try await client.get(fullKey(key), range: range))
        } catch let error as S3Error where error.code == "NoSuchKey" {
            throw ObjectStoreError.notFound(key: key, location: location)
        } catch let error as S3Error where error.code == "InvalidRange" {
            throw ObjectStoreError.invalidRange(key: key, range: range ?? 0..<0)
        }
    }

    public func download(_ key: String, to path: String) async throws -> Downloaded {
        try ObjectKey.validate(key)
        let fd = try LocalDirectoryBackend.create(path)
        defer { close(fd) }
        do {
            guard let written = try await client.download(fullKey(key), into: fd, path: path) else {
                throw ObjectStoreError.notFound(key: key, location: location)
            }
            return Downloaded(size: written.size, sha256: written.sha256)
        } catch {
            unlink(path)
            throw error
        }
    }

    public func head(_ key: String) async throws -> Int64? {
        try ObjectKey.validate(key)
        return try await client.head(fullKey(key))?.size
    }

    public func list(prefix listed: String) async throws -> [StoredObject] {
        try ObjectKey.validate(prefix: listed)
        let strip = prefix.isEmpty ? 0 : prefix.count + 1
        return try await client.list(prefix: prefix.isEmpty ? listed : prefix + "/" + listed, pageSize: listPageSize)
            .map { StoredObject(key: String($0.key.dropFirst(strip)), size: $0.size) }
    }

    public func delete(_ keys: [String]) async throws {
        for key in keys { try ObjectKey.validate(key) }
        for start in stride(from: 0, to: keys.count, by: 1000) {
            try await client.delete(keys: keys[start..<min(start + 1000, keys.count)].map(fullKey))
        }
    }

    /// Whether the store honours `If-None-Match: *` on PUT: writes a probe object twice and
    /// looks at the second answer (a store that ignores the header replaces the object).
    public func probeConditionalWrites() async throws -> Bool {
        let probe = fullKey("tsvault-probe/\(UUID().uuidString.lowercased())")
        do {
            _ = try await client.put(probe, Data("1".utf8), ifAbsent: true)
            let second = try await client.put(probe, Data("2".utf8), ifAbsent: true)
            try await client.delete(probe)
            return second == .alreadyPresent
        } catch {
            try? await client.delete(probe)
            throw error
        }
    }

    // MARK: writes

    /// `sha256`, the SHA-256 of `data` when the caller computed it, is the signed payload hash.
    private func putWhole(_ key: String, _ data: ByteBuffer, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        if ifAbsent, !conditionalWrites, try await head(key) != nil { return .alreadyPresent }
        let metadata = sha256.map { [("x-amz-meta-sha256", $0)] } ?? []
        return try await client.put(fullKey(key), body: data, ifAbsent: ifAbsent && conditionalWrites, metadata: metadata, sha256: sha256)
    }

    /// Parts are read and hashed in order, and sent `partsInFlight` at a time; the upload is
    /// completed only when every part is stored and the whole file hashes to `sha256`.
    private func putInParts(_ key: String, reader: PartReader, sha256: String?) async throws {
        let full = fullKey(key)
        let upload = try await client.startMultipart(full, metadata: sha256.map { [("x-amz-meta-sha256", $0)] } ?? [])
        do {
            var hasher = SHA256()
            var etags = [String](repeating: "", count: reader.partCount)
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for number in 0..<reader.partCount {
                    if number >= partsInFlight, let (done, etag) = try await group.next() { etags[done] = etag }
                    let data = try reader.part(number)
                    if sha256 != nil { data.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
                    group.addTask { [client] in (number, try await client.uploadPart(full, uploadID: upload, number: number + 1, data)) }
                }
                for try await (done, etag) in group { etags[done] = etag }
            }
            if let sha256 {
                let actual = hasher.finalize().lowercaseHex
                guard actual == sha256 else { throw ObjectStoreError.contentMismatch(key: key, expected: sha256, actual: actual) }
            }
            try await client.completeMultipart(full, uploadID: upload, etags: etags)
        } catch {
            try? await client.abortMultipart(full, uploadID: upload)
            throw error
        }
    }
}

/// Reads a file one part at a time (pread straight into the buffer that is sent), so a
/// multipart upload holds only the parts in flight in memory.
final class PartReader {
    let path: String
    let size: Int64
    let partSize: Int
    private let fd: Int32

    init(path: String, partSize: Int) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LocalDirectoryBackend.error(path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Foundation.close(fd)
            throw LocalDirectoryBackend.error(path)
        }
        self.path = path
        self.size = Int64(info.st_size)
        self.partSize = partSize
    }

    var partCount: Int { max(1, Int((size + Int64(partSize) - 1) / Int64(partSize))) }

    func part(_ number: Int) throws -> ByteBuffer {
        let offset = Int64(number) * Int64(partSize)
        return try buffer(at: offset, count: Int(min(Int64(partSize), max(0, size - offset))))
    }

    func bytes(at offset: Int64, count: Int) throws -> [UInt8] { Array(try buffer(at: offset, count: count).readableBytesView) }

    func buffer(at offset: Int64, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { space in
            var done = 0
            while done < count {
                let n = pread(fd, space.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    throw n == 0 ? ObjectStoreError.io(path: path, detail: "shorter than its size") : LocalDirectoryBackend.error(path)
                }
                done += n
            }
            return count
        }
        return buffer
    }

    func close() { Foundation.close(fd) }
}
