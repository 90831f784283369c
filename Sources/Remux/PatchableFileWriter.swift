import CFFmpeg
import Foundation

/// Writes a file mostly front to back, with `O_DIRECT` where the file system accepts it, and
/// lets the writer go back and change bytes already written — what a muxer of plain MP4 does
/// when it fills in the size of `mdat` at the end.
///
/// Appended bytes collect in one aligned 4 MiB buffer that goes to disk whole; a change to
/// bytes already on disk reads, patches and writes back the aligned blocks it touches. Where
/// `O_DIRECT` is refused (EINVAL at open or at the first write) the same calls go through the
/// page cache. Nothing is fsynced: callers that need durability are not this writer's users.
final class PatchableFileWriter {
    /// Each direct write is a round trip to the (virtual) disk whatever its size: on this
    /// project's VM a 1 MiB buffer cost 2–3× the kernel time per byte of a 16 MiB one (`dd`,
    /// docs/BENCHMARKS.md); 4 MiB is most of the gain.
    static let bufferSize = 4 << 20
    static let alignment = DirectIO.alignment

    let path: String
    private let fd: Int32
    private(set) var isDirect: Bool
    private let openedDirect: Bool
    /// The bytes from `tailStart` on, not yet written: always the end of the file.
    private let tail: UnsafeMutableRawPointer
    private var tailStart: Int64 = 0
    private var tailCount = 0
    private(set) var position: Int64 = 0
    private var closed = false

    init(path: String) throws {
        self.path = path
        // Read and write: a patch of a direct file reads the blocks it changes.
        guard let opened = DirectIO.open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC) else {
            throw RemuxError.invalidInput("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        isDirect = opened.direct
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, Self.alignment, Self.bufferSize) == 0, let memory else {
            Foundation.close(opened.fd)
            throw RemuxError.unsupported("out of memory for a write buffer")
        }
        fd = opened.fd
        openedDirect = isDirect
        tail = memory
    }

    /// The file's size so far, written or not.
    var size: Int64 { tailStart + Int64(tailCount) }

    func seek(to offset: Int64) -> Bool {
        guard offset >= 0, offset <= size else { return false }
        position = offset
        return true
    }

    /// Writes `bytes` at the current position and moves past them; 0 or an errno.
    func write(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        do {
            while done < bytes.count {
                let source = UnsafeRawBufferPointer(rebasing: bytes[done...])
                let n = try position >= tailStart ? intoTail(source) : patch(source)
                done += n
                position += Int64(n)
            }
        } catch {
            return error.code
        }
        return 0
    }

    private func intoTail(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let at = Int(position - tailStart)
        let n = min(bytes.count, Self.bufferSize - at)
        (tail + at).copyMemory(from: bytes.baseAddress!, byteCount: n)
        tailCount = max(tailCount, at + n)
        if tailCount == Self.bufferSize {
            let code = writeOut(tail, Self.bufferSize, at: tailStart)
            guard code == 0 else { throw Errno(code) }
            tailStart += Int64(Self.bufferSize)
            tailCount = 0
        }
        return n
    }

    /// Changes bytes already on disk, within one aligned block (through the page cache: as is).
    private func patch(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let n = Int(min(Int64(bytes.count), tailStart - position))
        guard isDirect else {
            let code = OutputPlumbing.writeAll(fd, bytes.baseAddress!, n, at: position)
            guard code == 0 else { throw Errno(code) }
            return n
        }
        let alignment = Int64(Self.alignment)
        let blockStart = position / alignment * alignment
        let inBlock = Int(position - blockStart)
        let count = min(n, Self.alignment - inBlock)
        var block: UnsafeMutableRawPointer?
        guard posix_memalign(&block, Self.alignment, Self.alignment) == 0, let block else { throw Errno(ENOMEM) }
        defer { free(block) }
        // Blocks before the tail were written whole, so the read is never short.
        guard pread(fd, block, Self.alignment, off_t(blockStart)) == Self.alignment else { throw Errno(errno == 0 ? EIO : errno) }
        (block + inBlock).copyMemory(from: bytes.baseAddress!, byteCount: count)
        let code = OutputPlumbing.writeAll(fd, block, Self.alignment, at: blockStart)
        guard code == 0 else { throw Errno(code) }
        return count
    }

    /// Writes what is left (a direct write's last block padded, then the file truncated to
    /// its size) and closes the file.
    func finish() throws {
        guard !closed else { return }
        var code: Int32 = 0
        if tailCount > 0 { code = writeOut(tail, tailCount, at: tailStart) }
        if code == 0, openedDirect, ftruncate(fd, off_t(size)) != 0 { code = errno }
        abandon()
        guard code == 0 else { throw RemuxError.invalidInput("writing \(path) failed: \(String(cString: strerror(code)))") }
    }

    /// Closes the file without writing what is left (the caller deletes it).
    func abandon() {
        guard !closed else { return }
        closed = true
        Foundation.close(fd)
        free(tail)
    }

    deinit { abandon() }

    /// Writes a buffer's first `count` bytes at `offset` — padded to the alignment when direct;
    /// a direct write refused as invalid is retried through the page cache, as is the rest.
    private func writeOut(_ memory: UnsafeMutableRawPointer, _ count: Int, at offset: Int64) -> Int32 {
        if isDirect {
            let length = DirectIO.padded(count)
            (memory + count).initializeMemory(as: UInt8.self, repeating: 0, count: length - count)
            let code = OutputPlumbing.writeAll(fd, memory, length, at: offset)
            guard code == EINVAL else { return code }
            let stopped = DirectIO.stop(on: fd)
            guard stopped == 0 else { return stopped }
            isDirect = false
        }
        return OutputPlumbing.writeAll(fd, memory, count, at: offset)
    }
}

/// An errno as an `Error`, for typed throws.
struct Errno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

/// A seekable libavformat output over a `PatchableFileWriter`, for muxers that go back to fill
/// in sizes (plain MP4). Export files the simulator serves are written this way: read once by
/// the download, they gain nothing from the page cache and filling it was most of the
/// simulator's kernel time (docs/BENCHMARKS.md).
final class SeekableFileOutput {
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private let file: PatchableFileWriter
    private var failure: Int32 = 0
    var isDirect: Bool { file.isDirect }

    init(path: String) throws {
        file = try PatchableFileWriter(path: path)
        do {
            context = try OutputPlumbing.context(
                opaque: Unmanaged.passUnretained(self).toOpaque(),
                write: { opaque, bytes, count in
                    let output = Unmanaged<SeekableFileOutput>.fromOpaque(opaque!).takeUnretainedValue()
                    return output.consume(UnsafeRawBufferPointer(start: bytes, count: Int(count)))
                },
                seek: { opaque, offset, whence in
                    Unmanaged<SeekableFileOutput>.fromOpaque(opaque!).takeUnretainedValue().seek(offset, whence)
                })
        } catch {
            file.abandon()
            throw error
        }
        // Large writes (the media data) skip the context's buffer and are copied once, into
        // the file's; seeking back to fill in a size works here (unlike in `HashingOutput`),
        // since the file lets any written byte be changed.
        context!.pointee.direct = 1
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard failure == 0 else { return -failure }
        failure = file.write(bytes)
        return failure == 0 ? Int32(bytes.count) : -failure
    }

    private func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        let whence = whence & ~tsv_avseek_force()
        if whence == tsv_avseek_size() { return file.size }
        let target: Int64
        switch whence {
        case SEEK_SET: target = offset
        case SEEK_CUR: target = file.position + offset
        case SEEK_END: target = file.size + offset
        default: return Int64(-EINVAL)
        }
        return file.seek(to: target) ? target : Int64(-EINVAL)
    }

    /// Flushes the context and finishes the file.
    func finish() throws {
        if let context { avio_flush(context) }
        defer { release() }
        guard failure == 0 else {
            throw RemuxError.invalidInput("writing \(file.path) failed: \(String(cString: strerror(failure)))")
        }
        try file.finish()
    }

    /// Frees the output; a file not finished is abandoned (the caller deletes it).
    func release() {
        file.abandon()
        OutputPlumbing.free(&context)
    }

    deinit { release() }
}
