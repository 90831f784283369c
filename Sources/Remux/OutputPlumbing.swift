import CFFmpeg
import Foundation

/// What the custom outputs (`HashingOutput`, `SeekableFileOutput`) share: their libavformat
/// context and the write loop under their files.
enum OutputPlumbing {
    typealias Write = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    typealias Seek = @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64

    static let bufferSize = 1 << 18

    /// A write context with a 256 KiB buffer that hands its bytes to `write` with `opaque`.
    static func context(opaque: UnsafeMutableRawPointer, write: Write, seek: Seek?) throws -> UnsafeMutablePointer<AVIOContext> {
        let size = Int32(bufferSize)
        guard let buffer = av_malloc(Int(size)) else { throw RemuxError.unsupported("out of memory for an output buffer") }
        guard let context = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), size, 1, opaque, nil, write, seek) else {
            av_free(buffer)
            throw RemuxError.unsupported("cannot allocate an output context")
        }
        return context
    }

    /// Frees a context from `context(opaque:write:seek:)` with its buffer.
    static func free(_ context: inout UnsafeMutablePointer<AVIOContext>?) {
        guard context != nil else { return }
        av_freep(&context!.pointee.buffer)
        avio_context_free(&context)
    }

    /// Writes all `length` bytes at `offset`, again after EINTR; 0 or an errno.
    static func writeAll(_ fd: Int32, _ memory: UnsafeRawPointer, _ length: Int, at offset: Int64) -> Int32 {
        var done = 0
        while done < length {
            let n = pwrite(fd, memory + done, length - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }
}
