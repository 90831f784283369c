import CFFmpeg
import Foundation

/// Direct I/O as the project's writers and reader use it: tried where the file system accepts
/// `O_DIRECT`, given up for the page cache where it does not (EINVAL at open, or at the first
/// I/O on file systems that take the flag but not the I/O).
enum DirectIO {
    /// Direct I/O wants buffer addresses, offsets and lengths in multiples of the device's
    /// logical block: 4096 covers 512- and 4096-byte devices alike.
    static let alignment = 4096

    /// `TSVAULT_BUFFERED_SEGMENTS=1` goes through the page cache, as before direct I/O, so a
    /// benchmark can run both side by side: segments (Benchmarks/ingest-throughput.sh) and the
    /// simulator's export files (Benchmarks/sim-cost.sh).
    static let isWanted = ProcessInfo.processInfo.environment["TSVAULT_BUFFERED_SEGMENTS"] != "1"

    /// Opens `path` with `O_DIRECT` when wanted and accepted, otherwise without; nil (errno
    /// set) when it cannot be opened at all.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) -> (fd: Int32, direct: Bool)? {
        if isWanted {
            let fd = Foundation.open(path, flags | tsv_o_direct(), mode)
            if fd >= 0 { return (fd, true) }
            guard errno == EINVAL else { return nil }
        }
        let fd = Foundation.open(path, flags, mode)
        return fd >= 0 ? (fd, false) : nil
    }

    /// Turns `O_DIRECT` off on `fd` (its I/O was refused as invalid); 0 or an errno.
    static func stop(on fd: Int32) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~tsv_o_direct()) == 0 else { return errno }
        return 0
    }

    /// `count` rounded up to the alignment: what a direct write of `count` bytes writes.
    static func padded(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }
}
