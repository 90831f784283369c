import Crypto
import Foundation
import HexDigest

/// Where a blob went.
public struct StoredBlob: Sendable, Hashable {
    public var sha256: String
    public var size: Int64
    /// False when the blob was already in the store (deduplicated).
    public var isNew: Bool
}

/// Content-addressed files: a blob's name is the SHA-256 of its bytes, under two fan-out
/// directories (`ab/cd/abcd…`). A blob becomes visible only complete and durable: the bytes
/// are fsynced, made read-only, renamed into place, and the directory is fsynced.
public struct BlobStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try FileSystem.makeDirectory(root)
    }

    public func path(of sha256: String) -> String {
        let a = sha256.prefix(2)
        let b = sha256.dropFirst(2).prefix(2)
        return "\(root)/\(a)/\(b)/\(sha256)"
    }

    /// Removes a blob's file (plain or zstd); returns the bytes freed, nil when there was none.
    /// The caller has made sure no index row names it any more.
    @_spi(Backup) public func remove(_ sha256: String) -> Int64? {
        var freed: Int64?
        for path in [path(of: sha256), path(of: sha256) + ".zst"] {
            guard let size = FileSystem.size(of: path), unlink(path) == 0 else { continue }
            freed = (freed ?? 0) + size
        }
        return freed
    }

    /// The SHA-256 name of every blob file in the store (`.zst` suffix removed); temporary
    /// files are not blobs.
    public func storedNames() -> [String] { contents().names }

    /// One walk of the store: the blob names, and the paths of temporary files (`.tmp-…`)
    /// left by a copy that was cut off.
    @_spi(Backup) public func contents() -> (names: [String], temporary: [String]) {
        let paths = FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String } ?? []
        var names: [String] = []
        var temporary: [String] = []
        for path in paths {
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix(".tmp-") {
                temporary.append(root + "/" + path)
                continue
            }
            let bare = name.hasSuffix(".zst") ? String(name.dropLast(4)) : name
            if bare.count == 64 && bare.allSatisfy(\.isHexDigit) { names.append(bare) }
        }
        return (names, temporary)
    }

    /// Moves the file at `source` (on the same file system) into the store, or deletes it
    /// when an identical blob is already there. `digest` skips re-reading a file whose hash
    /// was computed while it was written.
    public func adopt(_ source: String, digest known: (sha256: String, size: Int64)? = nil) throws -> StoredBlob {
        let (sha256, size) = try known ?? Self.digest(of: source)
        let target = path(of: sha256)
        if FileManager.default.fileExists(atPath: target) {
            unlink(source)
            return StoredBlob(sha256: sha256, size: size, isNew: false)
        }
        let directory = (target as NSString).deletingLastPathComponent
        try FileSystem.makeDirectory(directory)
        try FileSystem.fsync(path: source)
        chmod(source, 0o444)
        guard rename(source, target) == 0 else { throw FileSystem.error(target) }
        FileSystem.fsyncDirectory(directory)
        return StoredBlob(sha256: sha256, size: size, isNew: true)
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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(path) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw error(path)
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
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
