import Foundation

/// A local file read through `SourceInput` that takes its SHA-256 from the demuxer's own reads,
/// so a file is read once for demuxing and hashing alike. Demuxers seek (an MP4 with its index
/// at the end is read header, index, then data): bytes are hashed in file order as reads reach
/// them, and ranges skipped over are read once more at the end. The hashing itself runs on its
/// own thread.
final class HashingFileSource: MediaByteSource {
    let path: String
    let size: Int64
    private let fd: Int32
    /// Every byte before this offset has been hashed.
    private var hashedUpTo: Int64 = 0
    private let hasher = BackgroundHasher()
    private var finished = false

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RemuxError.invalidInput("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        self.path = path
        self.fd = fd
        size = fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
    }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        guard n >= 0 else {
            throw RemuxError.invalidInput("reading \(path) failed at byte \(offset): \(String(cString: strerror(errno)))")
        }
        let end = offset + Int64(n)
        if offset <= hashedUpTo, end > hashedUpTo {
            let skip = Int(hashedUpTo - offset)
            hasher.submit(UnsafeRawBufferPointer(rebasing: buffer[skip..<n]))
            hashedUpTo = end
        }
        return n
    }

    /// Hashes what the demuxer skipped, then returns the file's SHA-256 and size.
    func finishHash() throws -> (sha256: String, size: Int64) {
        finished = true
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while hashedUpTo < size {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(hashedUpTo)) }
            guard n > 0 else { throw RemuxError.invalidInput("reading \(path) failed at byte \(hashedUpTo)") }
            chunk.withUnsafeBytes { hasher.submit(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            hashedUpTo += Int64(n)
        }
        return (hasher.finish(), size)
    }

    deinit {
        if !finished { _ = hasher.finish() }
        close(fd)
    }
}
