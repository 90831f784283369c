import CFFmpeg
import Foundation

/// Bytes of a media file that the demuxer reads through tsvault rather than by path: a download
/// being read while it arrives, or a local file hashed on the way (`HashingFileSource`). Reads
/// block until the bytes are there; they may fail (the transfer broke, the demuxer asked for bytes
/// no longer kept, the disk failed).
public protocol MediaByteSource: AnyObject {
    /// The whole file's size in bytes.
    var size: Int64 { get }
    /// Copies bytes at `offset` into `buffer`; returns how many (0 at the end of the file).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A libavformat input over a `MediaByteSource`. The source's error is kept, so the caller
/// can tell a broken transfer from a broken file.
final class SourceInput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private let source: any MediaByteSource
    private var position: Int64 = 0
    private(set) var failure: (any Error)?

    init(source: any MediaByteSource) throws {
        self.source = source
        let bufferSize: Int32 = 1 << 18
        guard let buffer = av_malloc(Int(bufferSize)) else { throw RemuxError.unsupported("out of memory for an input buffer") }
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), bufferSize, 0, opaque,
            { opaque, bytes, count in
                Unmanaged<SourceInput>.fromOpaque(opaque!).takeUnretainedValue().read(bytes!, Int(count))
            }, nil,
            { opaque, offset, whence in
                Unmanaged<SourceInput>.fromOpaque(opaque!).takeUnretainedValue().seek(offset, whence)
            })
        guard context != nil else {
            av_free(buffer)
            throw RemuxError.unsupported("cannot allocate an input context")
        }
    }

    private func read(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int32 {
        do {
            let n = try source.read(at: position, into: UnsafeMutableRawBufferPointer(start: bytes, count: count))
            if n == 0 { return tsv_averror_eof() }
            position += Int64(n)
            return Int32(n)
        } catch {
            failure = error
            return -EIO
        }
    }

    private func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        switch whence & ~tsv_avseek_force() {
        case tsv_avseek_size(): return source.size
        case SEEK_SET: position = offset
        case SEEK_CUR: position += offset
        case SEEK_END: position = source.size + offset
        default: return -1
        }
        return position
    }

    deinit {
        if context != nil {
            av_freep(&context!.pointee.buffer)
            avio_context_free(&context)
        }
    }
}
