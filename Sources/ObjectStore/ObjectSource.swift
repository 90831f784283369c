import Foundation
import NIOCore

/// The bytes of an object on their way into a store, read by offset: a part at a time for a
/// multipart upload, and the same range again when a retry starts over. A file is one source;
/// a file encrypted on the fly (`EncryptingBackend`) is another, so that no sealed copy has to
/// be written to disk first.
public protocol ObjectSource: Sendable {
    var size: Int64 { get }
    /// Appends `count` bytes from `offset` to `buffer`; callers stay within `size`. Callers
    /// pass the same buffers again, so that a part's memory is reused rather than mapped anew.
    func read(at offset: Int64, count: Int, into buffer: inout ByteBuffer) throws
}

extension ObjectSource {
    /// `count` bytes from `offset` in a new buffer (from `allocator`: an upload's own memory is
    /// `PartMemory`'s).
    public func bytes(at offset: Int64, count: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: count)
        try read(at: offset, count: count, into: &buffer)
        return buffer
    }
}

/// Bytes already in memory (small objects: index sums, subtitles, probes).
public struct BytesSource: ObjectSource {
    public let content: [UInt8]
    public var size: Int64 { Int64(content.count) }

    public init(_ content: [UInt8]) { self.content = content }

    public func read(at offset: Int64, count: Int, into buffer: inout ByteBuffer) throws {
        buffer.writeBytes(content[Int(offset)..<Int(offset) + count])
    }
}

/// A file read with pread straight into the buffer that is sent (safe from several tasks).
public final class FileSource: ObjectSource {
    public let path: String
    public let size: Int64
    private let fd: Int32

    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LocalDirectoryBackend.error(path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Foundation.close(fd)
            throw LocalDirectoryBackend.error(path)
        }
        self.path = path
        self.size = Int64(info.st_size)
    }

    deinit { Foundation.close(fd) }

    public func read(at offset: Int64, count: Int, into buffer: inout ByteBuffer) throws {
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { space in
            var done = 0
            while done < count {
                let n = pread(fd, space.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    throw n == 0 ? ObjectStoreError.io(path: path, detail: "shorter than its size") : LocalDirectoryBackend.error(path)
                }
                done += n
            }
            return count
        }
    }
}
