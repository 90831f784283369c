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
        return try await put(key, from: try FileSource(path: file), sha256: sha256, ifAbsent: ifAbsent)
    }

    public func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        return try await put(key, from: source, sha256: nil, ifAbsent: ifAbsent)
    }

    private func put(_ key: String, from source: any ObjectSource, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        if source.size <= Int64(partSize) {
            let data = try source.bytes(at: 0, count: Int(source.size), allocator: PartMemory.allocator)
            let actual = data.withUnsafeReadableBytes { SHA256.hash(data: $0) }.lowercaseHex
            if let sha256, actual != sha256 { throw ObjectStoreError.contentMismatch(key: key, expected: sha256, actual: actual) }
            return try await putWhole(key, data, sha256: actual, ifAbsent: ifAbsent)
        }
        if ifAbsent, try await head(key) != nil { return .alreadyPresent }
        try await putInParts(key, source: source, sha256: sha256)
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

    /// Parts are read and hashed in order, and sent `partsInFlight` at a time, each into a buffer
    /// a finished part gave back (fresh pages cost a fault and a clearing each); the upload is
    /// completed only when every part is stored and the whole object hashes to `sha256`.
    private func putInParts(_ key: String, source: any ObjectSource, sha256: String?) async throws {
        let full = fullKey(key)
        let partCount = Int((source.size + Int64(partSize) - 1) / Int64(partSize))
        let upload = try await client.startMultipart(full, metadata: sha256.map { [("x-amz-meta-sha256", $0)] } ?? [])
        do {
            var hasher = SHA256()
            var etags = [String](repeating: "", count: partCount)
            var spare: [ByteBuffer] = []
            try await withThrowingTaskGroup(of: (Int, String, ByteBuffer).self) { group in
                for number in 0..<partCount {
                    if number >= partsInFlight, let (done, etag, buffer) = try await group.next() {
                        etags[done] = etag
                        spare.append(buffer)
                    }
                    let offset = Int64(number) * Int64(partSize)
                    var data = spare.popLast() ?? PartMemory.allocator.buffer(capacity: partSize)
                    data.clear()
                    try source.read(at: offset, count: Int(min(Int64(partSize), source.size - offset)), into: &data)
                    if sha256 != nil { data.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
                    group.addTask { [client, data] in
                        (number, try await client.uploadPart(full, uploadID: upload, number: number + 1, data), data)
                    }
                }
                for try await (done, etag, _) in group { etags[done] = etag }
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
