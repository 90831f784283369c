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
        do {
            context = try OutputPlumbing.context(
                opaque: Unmanaged.passUnretained(self).toOpaque(),
                write: { opaque, bytes, count in
                    let output = Unmanaged<HashingOutput>.fromOpaque(opaque!).takeUnretainedValue()
                    return output.consume(UnsafeRawBufferPointer(start: bytes, count: Int(count)))
                },
                seek: nil)
        } catch {
            file.abandon()
            throw error
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
        OutputPlumbing.free(&context)
    }

    deinit { release() }
}
