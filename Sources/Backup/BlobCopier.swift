@_spi(Backup) import Archive
import Crypto
import Foundation
import HexDigest
import ObjectStore

/// Copies one blob into another store (a backup target, or back into a restored archive),
/// checking the bytes against the blob's name on the way: a blob damaged in the source is
/// reported, never copied, so a backup cannot spread silent corruption.
enum BlobCopier {
    enum Outcome: Equatable {
        /// The target already has a file of the right size.
        case present
        case copied(bytes: Int64)
        /// The source blob is missing or its content does not match its name.
        case damaged(String)
    }

    /// Copies `blobs`, telling `copied` of each outcome (and how many are done) as it comes.
    /// Between two directories one at a time (a disk does not get faster for being asked
    /// twice); where a bucket is involved `bucketCopies` at once, so that requests overlap
    /// (each holds at most the backend's parts in flight in memory).
    static func copyAll(
        _ blobs: [SnapshotBlob], from source: BlobStore, to target: BlobStore, bucketCopies: Int = 3,
        copied: (SnapshotBlob, Outcome, _ done: Int) -> Void
    ) async throws {
        let width = source.directory != nil && target.directory != nil ? 1 : max(1, bucketCopies)
        try await withThrowingTaskGroup(of: (SnapshotBlob, Outcome).self) { group in
            var done = 0
            for (index, blob) in blobs.enumerated() {
                if index >= width, let (finished, outcome) = try await group.next() {
                    done += 1
                    copied(finished, outcome, done)
                }
                group.addTask {
                    (blob, try await copy(sha: blob.sha256, size: blob.size, compressed: blob.compressed, from: source, to: target))
                }
            }
            for try await (finished, outcome) in group {
                done += 1
                copied(finished, outcome, done)
            }
        }
    }

    static func copy(sha: String, size: Int64, compressed: Bool, from source: BlobStore, to target: BlobStore) async throws -> Outcome {
        if let from = source.directory, let to = target.directory {
            return try await IngestQueue.shared.run { try copyFile(sha: sha, size: size, compressed: compressed, from: from, to: to) }
        }
        return try await copyObject(sha: sha, size: size, compressed: compressed, from: source, to: target)
    }

    /// Between two directories: a copy through a work file, hashed on the way, renamed in place.
    private static func copyFile(sha: String, size: Int64, compressed: Bool, from source: String, to target: String) throws -> Outcome {
        let key = BlobStore.key(of: sha, compressed: compressed)
        let from = source + "/" + key
        let to = target + "/" + key
        let expectedSize = compressed ? FileSystem.size(of: from) : size
        if let existing = FileSystem.size(of: to), existing == expectedSize { return .present }
        guard FileSystem.size(of: from) != nil else { return .damaged("missing in the source") }
        let directory = (to as NSString).deletingLastPathComponent
        try FileSystem.makeDirectory(directory)
        let temporary = directory + "/.tmp-\(UUID().uuidString)"
        defer { unlink(temporary) }
        let written =
            try compressed
            ? copyCompressed(sha: sha, size: size, from: from, to: temporary)
            : copyHashing(sha: sha, size: size, from: from, to: temporary)
        guard case .copied = written else { return written }
        try FileSystem.fsync(path: temporary)
        chmod(temporary, 0o444)
        guard rename(temporary, to) == 0 else { throw FileSystem.error(to) }
        FileSystem.fsyncDirectory(directory)
        return written
    }

    /// Where either side is a bucket: through the backends, the bytes checked against the name
    /// (a plain blob by the put's own digest check, a compressed one decompressed in memory).
    private static func copyObject(
        sha: String, size: Int64, compressed: Bool, from source: BlobStore, to target: BlobStore
    ) async throws
        -> Outcome
    {
        let key = BlobStore.key(of: sha, compressed: compressed)
        guard let sourceSize = try await source.backend.head(key) else { return .damaged("missing in the source") }
        if let existing = try await target.backend.head(key), existing == (compressed ? sourceSize : size) { return .present }
        if compressed {
            let stored = try await source.backend.get(key)
            guard let original = try? Zstd.decompress(stored) else { return .damaged("does not decompress") }
            let actual = BlobStore.sha256Hex(original)
            guard actual == sha, Int64(original.count) == size else { return .damaged("content hashes to \(actual)") }
            _ = try await target.backend.put(key, bytes: stored, ifAbsent: false)
            return .copied(bytes: sourceSize)
        }
        guard sourceSize == size else { return .damaged("size \(sourceSize), index says \(size)") }
        do {
            return try await source.withLocalFiles([sha]) { paths in
                _ = try await target.backend.put(key, file: paths[sha]!, sha256: sha, ifAbsent: false)
                return .copied(bytes: size)
            }
        } catch ObjectStoreError.contentMismatch(_, _, let actual) {
            return .damaged("content hashes to \(actual)")
        } catch ArchiveError.ioFailed(_, let detail) where detail.hasPrefix("content hashes to") {
            return .damaged(detail)
        }
    }

    /// Streams the file in 1 MiB chunks, hashing what it writes.
    private static func copyHashing(sha: String, size: Int64, from: String, to: String) throws -> Outcome {
        let output = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileSystem.error(to) }
        defer { close(output) }
        var hasher = SHA256()
        var total: Int64 = 0
        try FileSystem.readChunks(of: from) { chunk in
            hasher.update(bufferPointer: chunk)
            try writeAll(output, chunk, path: to)
            total += Int64(chunk.count)
        }
        let actual = hasher.finalize().lowercaseHex
        guard actual == sha, total == size else { return .damaged("content hashes to \(actual) (\(total) bytes, index says \(size))") }
        return .copied(bytes: total)
    }

    /// zstd blobs are small (subtitles): decompressed in memory to check, copied as stored.
    private static func copyCompressed(sha: String, size: Int64, from: String, to: String) throws -> Outcome {
        guard let data = FileManager.default.contents(atPath: from) else { throw FileSystem.error(from) }
        guard let original = try? Zstd.decompress([UInt8](data)) else { return .damaged("does not decompress") }
        let actual = BlobStore.sha256Hex(original)
        guard actual == sha, Int64(original.count) == size else { return .damaged("content hashes to \(actual)") }
        guard FileManager.default.createFile(atPath: to, contents: data) else { throw FileSystem.error(to) }
        return .copied(bytes: Int64(data.count))
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error(path)
            }
            offset += n
        }
    }
}
