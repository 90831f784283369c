import CFFmpeg
import Foundation

/// A libavformat input that reads a file and hashes it on the way, so a file is read once
/// for demuxing and hashing alike. Demuxers seek (an MP4 with its index at the end is read
/// header, index, then data): bytes are hashed in file order as reads reach them, skipped-over
/// ranges are read once more at the end. The hashing itself runs on its own thread.
final class HashingInput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private var fd: Int32
    private var position: Int64 = 0
    /// Every byte before this offset has been hashed.
    private var hashedUpTo: Int64 = 0
    private let hasher = BackgroundHasher()
    private var finished = false
    let path: String
    let size: Int64

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RemuxError.invalidInput("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
        let bufferSize: Int32 = 1 << 18
        guard let buffer = av_malloc(Int(bufferSize)) else {
            close(fd)
            throw RemuxError.unsupported("out of memory for an input buffer")
        }
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), bufferSize, 0, opaque,
            { opaque, bytes, count in
                Unmanaged<HashingInput>.fromOpaque(opaque!).takeUnretainedValue().read(bytes!, Int(count))
            }, nil,
            { opaque, offset, whence in
                Unmanaged<HashingInput>.fromOpaque(opaque!).takeUnretainedValue().seek(offset, whence)
            })
        guard context != nil else {
            av_free(buffer)
            close(fd)
            throw RemuxError.unsupported("cannot allocate an input context")
        }
    }

    private func read(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int32 {
        let n = pread(fd, bytes, count, off_t(position))
        if n < 0 { return -errno }
        if n == 0 { return tsv_averror_eof() }
        let start = position
        let end = position + Int64(n)
        if start <= hashedUpTo, end > hashedUpTo {
            let skip = Int(hashedUpTo - start)
            hasher.submit(UnsafeRawBufferPointer(start: bytes + skip, count: n - skip))
            hashedUpTo = end
        }
        position = end
        return Int32(n)
    }

    private func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        switch whence & ~tsv_avseek_force() {
        case tsv_avseek_size(): return size
        case SEEK_SET: position = offset
        case SEEK_CUR: position += offset
        case SEEK_END: position = size + offset
        default: return -1
        }
        return position
    }

    /// Hashes what the demuxer skipped, then returns the file's SHA-256 and size.
    func finishHash() throws -> (sha256: String, size: Int64) {
        finished = true
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while hashedUpTo < size {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(hashedUpTo)) }
            guard n > 0 else { throw RemuxError.invalidInput("reading \(path) failed at \(hashedUpTo)") }
            chunk.withUnsafeBytes { hasher.submit(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            hashedUpTo += Int64(n)
        }
        return (hasher.finish(), size)
    }

    deinit {
        if !finished { _ = hasher.finish() }
        if context != nil {
            av_freep(&context!.pointee.buffer)
            avio_context_free(&context)
        }
        if fd >= 0 { close(fd) }
    }
}
