import CFFmpeg
import Foundation

/// A libavformat output that hands every byte to a `HashingFileWriter`, so a segment's SHA-256
/// is known the moment it is written, without reading it back. The output is not seekable,
/// which the fragmented-MP4 and Matroska muxers handle by writing straight through — and which
/// keeps the bytes the same on every run.
///
/// The context's buffer is, most of the time, the free rest of the writer's current buffer:
/// the muxer writes into the writer's memory and each flush only says how many bytes it left
/// there, instead of copying them over (a copy of every byte on the muxing thread, the one
/// that bounds an ingest on two cores). The muxer goes back to fill in a box's size only
/// within what it wrote since its last flush, and it flushes before every fragment; so, as
/// with the fixed buffer this replaces, every region it gets holds at least `minimumRegion`
/// bytes. When the writer's buffer has less left, the context gets its own buffer for a while
/// and its bytes are copied, as they all were before.
final class HashingOutput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private let file: HashingFileWriter
    /// The context's own buffer, from `OutputPlumbing.context`: used when the writer's has too
    /// little room, and put back before the context is freed (the writer's memory is not its).
    private var ownBuffer: UnsafeMutablePointer<UInt8>?
    private var ownBufferSize: Int32 = 0
    /// Where the writer's free space handed to the context begins; nil while it has its own.
    private var region: UnsafeMutablePointer<UInt8>?
    var path: String { file.path }

    /// Whether the muxer writes into the writer's memory right now (else into the context's own).
    var writesInPlace: Bool { region != nil }

    /// The room the muxer needs after a flush: that of the fixed buffer it had before.
    static let minimumRegion = OutputPlumbing.bufferSize

    init(path: String) throws {
        file = try HashingFileWriter(path: path)
        do {
            context = try OutputPlumbing.context(
                opaque: Unmanaged.passUnretained(self).toOpaque(),
                write: { opaque, bytes, count in
                    let output = Unmanaged<HashingOutput>.fromOpaque(opaque!).takeUnretainedValue()
                    return output.consume(bytes!, Int(count))
                },
                seek: nil)
        } catch {
            file.abandon()
            throw error
        }
        ownBuffer = context!.pointee.buffer
        ownBufferSize = context!.pointee.buffer_size
        pointContextAtFreeSpace()
        // Not `direct`, though that would save a copy of the media data: the muxer writes a
        // box's size by seeking back into the context's buffer once the box is written, which
        // a direct context cannot do (segments came out with a moov of size 0).
    }

    /// Called by libavformat with the bytes since its last flush: already in the writer's
    /// buffer when the context was pointed there, else copied from wherever they are.
    private func consume(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int32 {
        let kept = bytes == region ? file.commit(count) : file.append(UnsafeRawBufferPointer(start: bytes, count: count))
        pointContextAtFreeSpace()
        // A refused commit without a failure would mean more bytes than the space handed out:
        // an error, never a silent loss.
        return kept ? Int32(count) : -(file.failure != 0 ? file.failure : EIO)
    }

    /// Where the muxer writes next: the writer's free space when there is enough, else the
    /// context's own buffer. libavformat rewinds its write pointer to `buffer` after each
    /// flush; the end is not reset for writing, so it is set here.
    private func pointContextAtFreeSpace() {
        guard let context else { return }
        if let space = file.freeSpace(minimum: Self.minimumRegion) {
            let start = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
            region = start
            setBuffer(context, start, Int32(clamping: space.count))
        } else {
            restoreOwnBuffer()
        }
    }

    private func setBuffer(_ context: UnsafeMutablePointer<AVIOContext>, _ start: UnsafeMutablePointer<UInt8>, _ size: Int32) {
        context.pointee.buffer = start
        context.pointee.buffer_size = size
        context.pointee.buf_ptr = start
        context.pointee.buf_ptr_max = start
        context.pointee.buf_end = start + Int(size)
    }

    /// Flushes, closes the file and returns its SHA-256 (hex) and size.
    func finish() throws -> (sha256: String, size: Int64) {
        if let context { avio_flush(context) }
        defer { release() }
        restoreOwnBuffer()
        return try file.finish()
    }

    /// Frees the output; a file not finished is abandoned (the caller deletes it).
    func release() {
        restoreOwnBuffer()
        file.abandon()
        OutputPlumbing.free(&context)
    }

    /// The context lets go of the writer's memory before the writer hands it on or frees it.
    private func restoreOwnBuffer() {
        region = nil
        guard let context, let ownBuffer, context.pointee.buffer != ownBuffer else { return }
        setBuffer(context, ownBuffer, ownBufferSize)
    }

    deinit { release() }
}
