import Foundation

/// An advisory lock on `<root>/store.lock` between ingests (shared) and retention (exclusive).
/// Why: an ingest that finds a blob file already present reuses it; if retention unlinked that
/// file after its own commit, the ingest's new index row would name a file that is gone. With
/// the lock, retention's delete-and-unlink never interleaves with an ingest, in this process
/// or another (`tsvault retention --apply` while a run is going).
@_spi(Backup) public enum StoreLock {
    public enum Mode: Sendable { case shared, exclusive }

    public static func holding<T>(_ root: String, _ mode: Mode, _ body: () throws -> T) throws -> T {
        let fd = try acquire(root, mode)
        defer { close(fd) }
        return try body()
    }

    public static func holding<T>(_ root: String, _ mode: Mode, _ body: () async throws -> T) async throws -> T {
        let fd = try acquire(root, mode)
        defer { close(fd) }
        return try await body()
    }

    /// The locked descriptor; closing it releases the lock.
    private static func acquire(_ root: String, _ mode: Mode) throws -> Int32 {
        let path = root + "/store.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.error(path) }
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw FileSystem.error(path)
            }
        }
        return fd
    }
}
