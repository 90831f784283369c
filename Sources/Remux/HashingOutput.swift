import CFFmpeg
import Crypto
import Foundation

/// A libavformat output that writes to a file descriptor and hashes every byte on the way,
/// so a segment's SHA-256 is known the moment it is written, without reading it back. The
/// output is not seekable, which the fragmented-MP4 and Matroska muxers handle by writing
/// straight through — and which keeps the bytes the same on every run.
final class HashingOutput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private var fd: Int32
    private let hasher = BackgroundHasher()
    private(set) var written: Int64 = 0
    private(set) var failure: Int32 = 0
    private var hasherFinished = false
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RemuxError.invalidInput("cannot create \(path): \(String(cString: strerror(errno)))") }
        let size: Int32 = 1 << 18
        guard let buffer = av_malloc(Int(size)) else {
            close(fd)
            throw RemuxError.unsupported("out of memory for an output buffer")
        }
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), size, 1, opaque, nil,
            { opaque, bytes, count in
                let output = Unmanaged<HashingOutput>.fromOpaque(opaque!).takeUnretainedValue()
                return output.consume(UnsafeRawBufferPointer(start: bytes, count: Int(count)))
            }, nil)
        guard context != nil else {
            av_free(buffer)
            close(fd)
            throw RemuxError.unsupported("cannot allocate an output context")
        }
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        hasher.submit(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = -errno
                return failure
            }
            offset += n
        }
        written += Int64(bytes.count)
        startWriteback()
        return Int32(bytes.count)
    }

    private var writebackStart: Int64 = 0

    /// Asks the kernel to start writing each 8 MiB to disk as soon as it is complete, so the
    /// fsync that makes the segment durable finds little left to do.
    private func startWriteback() {
        let chunk: Int64 = 8 << 20
        guard written - writebackStart >= chunk else { return }
        _ = tsv_start_writeback(fd, writebackStart, written - writebackStart)
        writebackStart = written
    }

    /// Flushes, closes the file and returns its SHA-256 (hex) and size.
    func finish() throws -> (sha256: String, size: Int64) {
        if let context { avio_flush(context) }
        hasherFinished = true
        let digest = hasher.finish()
        release()
        guard failure == 0 else { throw RemuxError.invalidInput("writing \(path) failed: \(String(cString: strerror(-failure)))") }
        return (digest, written)
    }

    func release() {
        if !hasherFinished {
            hasherFinished = true
            _ = hasher.finish()  // lets the hashing thread end
        }
        if context != nil {
            av_freep(&context!.pointee.buffer)
            avio_context_free(&context)
        }
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
