import Foundation

/// Reads a file with `O_DIRECT` where the file system accepts it, so bytes read once (a
/// download, a checksum) go from the disk to the caller's memory without a copy through the
/// page cache; through the page cache where it does not (EINVAL at open or at a read).
///
/// Direct reads start and end on aligned offsets into aligned memory, so the caller lends a
/// destination a little larger than it wants (`capacity(for:)`) and is told where in it the
/// bytes it asked for begin.
public final class AlignedFileReader {
    public static let alignment = DirectIO.alignment

    public let path: String
    private let fd: Int32
    public private(set) var isDirect: Bool

    public init(path: String) throws {
        self.path = path
        guard let opened = DirectIO.open(path, O_RDONLY | O_CLOEXEC) else {
            throw RemuxError.invalidInput("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        fd = opened.fd
        isDirect = opened.direct
    }

    deinit { close(fd) }

    /// The destination a read of `count` bytes needs: room to align its start and both ends.
    public static func capacity(for count: Int) -> Int { count + 3 * alignment }

    /// Reads up to `count` bytes at `offset` into `destination` (at least `capacity(for:)`
    /// bytes); returns where they begin in it and how many there are (fewer at the end of
    /// the file, 0 past it).
    public func read(_ count: Int, at offset: Int64, into destination: UnsafeMutableRawBufferPointer) throws -> (start: Int, count: Int) {
        precondition(destination.count >= Self.capacity(for: count), "destination too small for an aligned read")
        guard let base = destination.baseAddress, count > 0 else { return (0, 0) }
        if isDirect {
            let alignment = Int64(Self.alignment)
            let pad = (Self.alignment - Int(UInt(bitPattern: base) % UInt(Self.alignment))) % Self.alignment
            let alignedOffset = offset / alignment * alignment
            let skip = Int(offset - alignedOffset)
            let length = DirectIO.padded(skip + count)
            let n = try readFully(base + pad, length, at: alignedOffset)
            if let n { return (pad + skip, max(0, min(count, n - skip))) }
            // Refused as invalid: this file system takes the flag but not the I/O.
            let stopped = DirectIO.stop(on: fd)
            guard stopped == 0 else { throw failure(stopped) }
            isDirect = false
        }
        guard let n = try readFully(base, count, at: offset) else { throw failure(EINVAL) }
        return (0, n)
    }

    /// Reads until `length` bytes or the end of the file; nil when a direct read is refused
    /// as invalid.
    private func readFully(_ memory: UnsafeMutableRawPointer, _ length: Int, at offset: Int64) throws -> Int? {
        var done = 0
        while done < length {
            let n = pread(fd, memory + done, length - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL, isDirect, done == 0 { return nil }
                throw failure(errno)
            }
            if n == 0 { break }
            done += n
            // A short direct read ends at the end of the file: what follows is not aligned.
            if isDirect, n % Self.alignment != 0 { break }
        }
        return done
    }

    private func failure(_ code: Int32) -> RemuxError {
        RemuxError.invalidInput("reading \(path) failed: \(String(cString: strerror(code)))")
    }
}
