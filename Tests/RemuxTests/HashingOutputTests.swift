import CFFmpeg
import Crypto
import Foundation
import Testing

@testable import Remux

/// The output every segment is muxed through, driven as the fragmented-MP4 muxer drives it:
/// a flush, a box whose size is filled in by seeking back once it is written, then media data
/// in large writes; many times over several of the writer's buffers, so the muxer writes
/// straight into the writer's memory and, where too little of it is left, into the context's
/// own buffer. The file must hold exactly the bytes meant, with their SHA-256.
@Suite(.timeLimit(.minutes(2))) struct HashingOutputTests {
    @Test(arguments: [1, 2, 3])
    func boxesPatchedAfterEachFlushAndMediaDataComeOutExactly(seed: UInt32) throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try HashingOutput(path: folder + "/segment.mp4")
        let context = try #require(output.context)
        var random = seed &* 2_654_435_761
        func next(_ bound: Int) -> Int {
            random = random &* 1_664_525 &+ 1_013_904_223
            return Int(random >> 8) % bound
        }
        var expected: [UInt8] = []
        var inPlace: Set<Bool> = []
        let media = HashingFileWriterTests.bytes(3 << 20)
        while expected.count < 11 << 20 {
            // A box: size placeholder, fourcc, a body of up to ~200 KB byte by byte, then its
            // size written over the placeholder (as movenc's update_size does).
            avio_flush(context)
            inPlace.insert(output.writesInPlace)
            let start = avio_tell(context)
            #expect(start == Int64(expected.count))
            avio_wb32(context, 0)
            avio_wl32(context, 0x666f_6f6d)  // "moof"
            let body = 8 + next(200_000)
            for index in 0..<body { avio_w8(context, Int32(truncatingIfNeeded: index &* 31 &+ Int(seed))) }
            let end = avio_tell(context)
            #expect(avio_seek(context, start, SEEK_SET) == start, "the box lies in what was written since the flush")
            avio_wb32(context, UInt32(end - start))
            #expect(avio_seek(context, end, SEEK_SET) == end)
            expected += withUnsafeBytes(of: UInt32(end - start).bigEndian, Array.init)
            expected += [0x6d, 0x6f, 0x6f, 0x66]
            expected += (0..<body).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
            // Media data: one large write, as the muxer copies a fragment's samples.
            // The first fills the writer's first buffer to 100 KB short of full: the next box
            // then goes into the context's own buffer.
            let length = expected.count < 1 << 20 ? (2 << 20) - 100_000 - expected.count : next(media.count)
            inPlace.insert(output.writesInPlace)
            media.withUnsafeBufferPointer { avio_write(context, $0.baseAddress, Int32(length)) }
            expected += media[0..<length]
            inPlace.insert(output.writesInPlace)
        }
        #expect(context.pointee.error == 0)
        #expect(inPlace == [true, false], "both the writer's memory and the context's own buffer were written into")
        let (sha, size) = try output.finish()
        #expect(size == Int64(expected.count))
        #expect(sha == SHA256.hash(data: expected).map { String(format: "%02x", $0) }.joined())
        let onDisk = try #require(FileManager.default.contents(atPath: folder + "/segment.mp4"))
        #expect([UInt8](onDisk) == expected)
    }

    @Test func anOutputAbandonedWhileWritingInPlaceFreesOnlyItsOwnBuffer() throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = HashingFileWriterTests.bytes(5 << 20)
        // Freeing the context frees its buffer: were that still the writer's memory (which goes
        // back to the pool), the process would abort in free() or reuse freed memory.
        for _ in 0..<3 {
            let output = try HashingOutput(path: folder + "/segment.mp4")
            let context = try #require(output.context)
            bytes.withUnsafeBufferPointer { avio_write(context, $0.baseAddress, Int32($0.count)) }
            #expect(output.writesInPlace)
            output.release()
            #expect(output.context == nil)
        }
        let (_, size, _) = try HashingFileWriterTests.write(bytes, chunks: [1 << 18], to: folder + "/after.mp4")
        #expect(size == Int64(bytes.count), "the pool's buffers still work after the abandoned outputs")
    }
}
