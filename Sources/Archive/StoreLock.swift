import Foundation

/// An advisory lock on `<root>/store.lock` between ingests (shared) and retention (exclusive).
/// Why: an ingest that finds a blob file already present reuses it; if retention unlinked that
/// file after its own commit, the ingest's new index row would name a file that is gone. With
/// the lock, retention's delete-and-unlink never interleaves with an ingest, in this process
/// or another (`tsvault retention --apply` while a run is going).
@_spi(Backup) public enum StoreLock {
    public enum Mode: Sendable { case shared, exclusive }

    /// Runs `body` holding the lock. Waiting for it blocks no thread: the lock is tried without
    /// blocking and, while someone else holds it, tried again after a pause (10 ms, doubling up
    /// to 250 ms); a cancelled task stops waiting. Why: a blocking `flock` holds one of the
    /// cooperative pool's threads (as many as there are cores) until the holder lets go, and the
    /// holder may need a thread of that pool to get there. In the daemon, retention waits for a
    /// live-watch ingest of the same process; on a one-core machine that ingest would never run
    /// again.
    public static func holding<T>(_ root: String, _ mode: Mode, _ body: () async throws -> T) async throws -> T {
        let fd = try await acquire(root, mode)
        defer { close(fd) }
        return try await body()
    }

    /// The locked descriptor; closing it releases the lock.
    private static func acquire(_ root: String, _ mode: Mode) async throws -> Int32 {
        let path = root + "/store.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.error(path) }
        var pause: UInt64 = 10_000_000
        while flock(fd, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK:
                do {
                    try await Task.sleep(nanoseconds: pause)
                } catch {
                    close(fd)
                    throw error
                }
                pause = min(pause * 2, 250_000_000)
            default:
                let failure = FileSystem.error(path)
                close(fd)
                throw failure
            }
        }
        return fd
    }
}
