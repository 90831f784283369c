import CFFmpeg
import Foundation
import Testing

@testable import Remux

/// The writer behind every export file the simulator serves (seekable, direct I/O) and the
/// reader that serves it back: exact bytes whatever the sizes, offsets and alignment.
@Suite(.timeLimit(.minutes(2))) struct PatchableFileTests {
    static let mib = 1 << 20

    /// Appends `data` in cycled chunk sizes, then overwrites each of `patches` (offset, bytes)
    /// as a muxer filling in sizes does; returns whether direct I/O was in use at the end.
    static func write(_ data: [UInt8], chunks: [Int], patches: [(Int, [UInt8])], to path: String) throws -> Bool {
        let writer = try PatchableFileWriter(path: path)
        var offset = 0
        var turn = 0
        while offset < data.count {
            let n = min(chunks[turn % chunks.count], data.count - offset)
            let code = data.withUnsafeBytes { writer.write(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
            try #require(code == 0, "write failed: \(String(cString: strerror(code)))")
            offset += n
            turn += 1
        }
        for (at, bytes) in patches {
            try #require(writer.seek(to: Int64(at)))
            try #require(bytes.withUnsafeBytes { writer.write($0) } == 0)
        }
        try #require(writer.seek(to: writer.size))
        let direct = writer.isDirect
        try writer.finish()
        return direct
    }

    static func patched(_ data: [UInt8], _ patches: [(Int, [UInt8])]) -> [UInt8] {
        var expected = data
        for (at, bytes) in patches { expected.replaceSubrange(at..<(at + bytes.count), with: bytes) }
        return expected
    }

    @Test(arguments: [0, 1, 4095, 4096, 4 * mib, 4 * mib + 1, 9 * mib + 7])
    func appendedAndPatchedBytesAreExactlyTheFile(size: Int) throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = HashingFileWriterTests.bytes(size)
        // Patches inside the first block (an mdat size), across a block boundary, across the
        // boundary between bytes on disk and bytes still buffered, and near the end.
        let candidates: [(Int, Int)] = [(36, 4), (4094, 5), (4 * Self.mib - 3, 8), (size - 2, 2), (0, 1)]
        let patches = candidates.filter { $0.0 >= 0 && $0.0 + $0.1 <= size }.map { ($0.0, [UInt8](repeating: 0xA5, count: $0.1)) }
        let path = folder + "/export.mp4"
        _ = try Self.write(data, chunks: [1 << 18, 1000, 77_777, 4], patches: patches, to: path)
        let onDisk = try #require(FileManager.default.contents(atPath: path))
        #expect(onDisk.count == size, "a direct write's padding is truncated away")
        #expect([UInt8](onDisk) == Self.patched(data, patches))
    }

    @Test func directIOIsUsedWhereTheFileSystemAcceptsIt() throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let probe = open(folder + "/probe", O_RDWR | O_CREAT | tsv_o_direct(), 0o644)
        let accepts = probe >= 0
        if accepts { close(probe) }
        let data = HashingFileWriterTests.bytes(5 * Self.mib + 300)
        let direct = try Self.write(data, chunks: [1 << 18], patches: [(40, [1, 2, 3, 4])], to: folder + "/e.mp4")
        #expect(direct == accepts, "ext4 and current tmpfs accept O_DIRECT; the writer must use it there and only there")
        let reader = try AlignedFileReader(path: folder + "/e.mp4")
        #expect(reader.isDirect == accepts)
    }

    @Test func aFullDeviceFailsWithItsError() throws {
        // /dev/full refuses O_DIRECT (the page cache is used), then ENOSPC as a full disk does.
        let writer = try PatchableFileWriter(path: "/dev/full")
        #expect(!writer.isDirect)
        let data = HashingFileWriterTests.bytes(5 * Self.mib)
        #expect(data.withUnsafeBytes { writer.write($0) } == ENOSPC, "the first full buffer is written and refused")
        let error = #expect(throws: RemuxError.self) { try writer.finish() }
        #expect(error.map { "\($0)" }?.contains("No space left on device") == true)
    }

    @Test func seekingPastTheEndIsRefused() throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try PatchableFileWriter(path: folder + "/x")
        #expect(!writer.seek(to: 1), "a hole is nothing a muxer makes; refusing it keeps the tail the file's end")
        #expect(!writer.seek(to: -1))
        #expect(writer.seek(to: 0))
        writer.abandon()
    }

    /// Reads at unaligned offsets and lengths into destinations at unaligned addresses.
    @Test(arguments: [(0, 1), (1, 4095), (4095, 2), (4096, 4096), (12_345, 3 * mib + 17), (9 * mib, 100), (9 * mib + 5, 10), (10 * mib, 5)])
    func alignedReadsReturnExactlyTheBytesAsked(offset: Int, count: Int) throws {
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = HashingFileWriterTests.bytes(9 * Self.mib + 7)
        let path = folder + "/served.mp4"
        _ = try Self.write(data, chunks: [Self.mib], patches: [], to: path)
        let reader = try AlignedFileReader(path: path)
        for shift in [0, 1, 4095] {
            let memory = UnsafeMutableRawBufferPointer.allocate(
                byteCount: shift + AlignedFileReader.capacity(for: count), alignment: AlignedFileReader.alignment)
            defer { memory.deallocate() }
            let destination = UnsafeMutableRawBufferPointer(rebasing: memory[shift...])
            let read = try reader.read(count, at: Int64(offset), into: destination)
            let expected = offset < data.count ? Array(data[offset..<min(data.count, offset + count)]) : []
            #expect(read.count == expected.count, "offset \(offset) count \(count) shift \(shift)")
            #expect(Array(destination[read.start..<(read.start + read.count)]) == expected)
        }
    }
}
