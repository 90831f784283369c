import Crypto
import Foundation
import HexDigest
import ObjectStore

/// Where a blob went.
public struct StoredBlob: Sendable, Hashable {
    public var sha256: String
    public var size: Int64
    /// False when the blob was already in the store (deduplicated).
    public var isNew: Bool
}

/// Content-addressed blobs in an object backend: a blob's key is the SHA-256 of its bytes
/// under two fan-out levels (`ab/cd/abcd…`, with `.zst` for zstd-compressed ones). On a local
/// directory that is the archive's on-disk layout; in a bucket the same keys sit under the
/// store's prefix. A blob becomes visible only complete and durable (see the backends).
public struct BlobStore: Sendable {
    public let backend: any ObjectBackend
    /// The blobs' directory when the backend is local: FFmpeg and copies read the files in place.
    public let directory: String?
    /// Where blobs of a remote store are downloaded to be read by path (the archive's tmp).
    let scratch: String

    /// A store in a local directory (the archive's `blobs/`, a backup disk's `blobs/`).
    public init(root: String) throws {
        let local = try LocalDirectoryBackend(root: root)
        backend = local
        directory = root
        scratch = root
    }

    /// A store in any backend; `scratch` is a local directory for blobs read by path.
    public init(backend: any ObjectBackend, scratch: String) {
        self.backend = backend
        directory = (backend as? LocalDirectoryBackend)?.root
        self.scratch = scratch
    }

    public static func key(of sha256: String, compressed: Bool = false) -> String {
        "\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)" + (compressed ? ".zst" : "")
    }

    /// The blob's file in a local store. Only for stores with a `directory`; code that must
    /// work on any store reads through `withLocalFiles`.
    public func path(of sha256: String) -> String {
        precondition(directory != nil, "path(of:) on a blob store in \(backend.location)")
        return "\(directory!)/\(Self.key(of: sha256))"
    }

    /// Removes a blob (plain or zstd); returns the bytes freed, nil when there was none.
    /// The caller has made sure no index row names it any more.
    @_spi(Backup) public func remove(_ sha256: String) async throws -> Int64? {
        var freed: Int64?
        var keys: [String] = []
        for key in [Self.key(of: sha256), Self.key(of: sha256, compressed: true)] {
            guard let size = try await backend.head(key) else { continue }
            freed = (freed ?? 0) + size
            keys.append(key)
        }
        try await Self.archiveErrors { try await backend.delete(keys) }
        return freed
    }

    /// The SHA-256 name of every blob in the store (`.zst` suffix removed).
    public func storedNames() async throws -> [String] {
        try await Self.archiveErrors { try await backend.list(prefix: "") }.compactMap { object in
            let name = object.key.split(separator: "/").last.map(String.init) ?? ""
            let bare = name.hasSuffix(".zst") ? String(name.dropLast(4)) : name
            return bare.count == 64 && bare.allSatisfy(\.isHexDigit) ? bare : nil
        }
    }

    /// Moves the file at `source` into the store (a rename on the same file system), or deletes
    /// it when an identical blob is already there. `digest` skips re-reading a file whose hash
    /// was computed while it was written.
    public func adopt(_ source: String, digest known: (sha256: String, size: Int64)? = nil) async throws -> StoredBlob {
        let (sha256, size) = try known ?? Self.digest(of: source)
        let outcome = try await Self.archiveErrors { try await backend.adopt(Self.key(of: sha256), file: source, sha256: nil) }
        unlink(source)
        return StoredBlob(sha256: sha256, size: size, isNew: outcome == .stored)
    }

    /// A local file system's failure is the archive's I/O failure (named as such in reports,
    /// and a reason for a run to stop starting exports); a bucket's errors pass unchanged.
    @_spi(Backup) public static func archiveErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch ObjectStoreError.io(let path, let detail) {
            throw ArchiveError.ioFailed(path: path, detail: detail)
        }
    }

    /// Runs `body` with a local file for each blob (`sha256` → path): the blobs' own files on
    /// a local store; on a remote one, downloads into the scratch directory, each checked
    /// against its name, removed afterwards. Blobs stored compressed are not media; not here.
    public func withLocalFiles<T>(_ shas: [String], _ body: ([String: String]) async throws -> T) async throws -> T {
        if directory != nil { return try await body(Dictionary(shas.map { ($0, path(of: $0)) }, uniquingKeysWith: { a, _ in a })) }
        let folder = scratch + "/read-\(getpid())-\(UUID().uuidString)"
        try FileSystem.makeDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var paths: [String: String] = [:]
        for sha in Set(shas) {
            let path = folder + "/" + sha
            let got = try await Self.archiveErrors { try await backend.download(Self.key(of: sha), to: path) }
            guard got.sha256 == sha else {
                throw ArchiveError.ioFailed(path: "\(backend.location)/\(Self.key(of: sha))", detail: "content hashes to \(got.sha256)")
            }
            paths[sha] = path
        }
        return try await body(paths)
    }

    /// SHA-256 and size of a file, read in 1 MiB chunks (BoringSSL's SHA-256 uses the CPU's
    /// SHA instructions where present).
    public static func digest(of path: String) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        try FileSystem.readChunks(of: path) { chunk in
            hasher.update(bufferPointer: chunk)
            size += Int64(chunk.count)
        }
        return (hasher.finalize().lowercaseHex, size)
    }
}

/// Small POSIX helpers with errors that name the path.
@_spi(Backup) public enum FileSystem {
    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.ioFailed(path: path, detail: "\(error.localizedDescription)")
        }
    }

    /// A file's size, or nil when it does not exist.
    public static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Reads a file in 1 MiB chunks.
    public static func readChunks(of path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        do { try LocalDirectoryBackend.readChunks(of: path, body) } catch ObjectStoreError.io(let path, let detail) {
            throw ArchiveError.ioFailed(path: path, detail: detail)
        }
    }

    public static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(path) }
        defer { close(fd) }
        guard Foundation.fsync(fd) == 0 else { throw error(path) }
    }

    public static func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        Foundation.fsync(fd)
        close(fd)
    }

    public static func error(_ path: String) -> ArchiveError {
        .ioFailed(path: path, detail: String(cString: strerror(errno)))
    }
}

/// SHA-256 through swift-crypto (BoringSSL, SHA instructions where the CPU has them).
struct SHA256Hasher {
    private var state = SHA256()
    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { state.update(bufferPointer: $0) } }
    func hex() -> String { state.finalize().lowercaseHex }
}
