import CFFmpeg
import Foundation

/// A libavformat output that hands every byte to a `HashingFileWriter`, so a segment's SHA-256
/// is known the moment it is written, without reading it back. The output is not seekable,
/// which the fragmented-MP4 and Matroska muxers handle by writing straight through — and which
/// keeps the bytes the same on every run.
final class HashingOutput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private let file: HashingFileWriter
    var path: String { file.path }

    init(path: String) throws {
        file = try HashingFileWriter(path: path)
        let size: Int32 = 1 << 18
        guard let buffer = av_malloc(Int(size)) else {
            file.abandon()
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
            file.abandon()
            throw RemuxError.unsupported("cannot allocate an output context")
        }
        // Not `direct`, though that would save a copy of the media data: the muxer writes a
        // box's size by seeking back into the context's buffer once the box is written, which
        // a direct context cannot do (segments came out with a moov of size 0).
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        file.append(bytes) ? Int32(bytes.count) : -file.failure
    }

    /// Flushes, closes the file and returns its SHA-256 (hex) and size.
    func finish() throws -> (sha256: String, size: Int64) {
        if let context { avio_flush(context) }
        defer { release() }
        return try file.finish()
    }

    /// Frees the output; a file not finished is abandoned (the caller deletes it).
    func release() {
        file.abandon()
        if context != nil {
            av_freep(&context!.pointee.buffer)
            avio_context_free(&context)
        }
    }

    deinit { release() }
}
