import CFFmpeg
import Crypto
import Foundation
import Testing

@testable import Remux

@Suite(.timeLimit(.minutes(2))) struct HashingFileWriterTests {
    /// Deterministic bytes that differ at every offset a buffer could start.
    static func bytes(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x9e37_79b9
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Appends `data` in chunks of the given sizes, cycled, as a muxer's output buffer would.
    static func write(_ data: [UInt8], chunks: [Int], to path: String) throws -> (sha256: String, size: Int64, direct: Bool) {
        let writer = try HashingFileWriter(path: path)
        var offset = 0
        var turn = 0
        try data.withUnsafeBytes { all in
            while offset < data.count {
                let n = min(chunks[turn % chunks.count], data.count - offset)
                guard writer.append(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)])) else {
                    throw RemuxError.invalidInput("append failed: \(writer.failure)")
                }
                offset += n
                turn += 1
            }
        }
        let direct = writer.isDirect
        let (sha, size) = try writer.finish()
        return (sha, size, direct)
    }

    @Test(arguments: [0, 1, 4095, 4096, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12_345, 9 * (1 << 20) + 7])
    func theFileHoldsExactlyTheBytesAndTheirSHA256(size: Int) throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = Self.bytes(size)
        let path = folder + "/segment.mp4"
        // Chunk sizes of an AVIO buffer (256 KiB) and odd ones, so buffers fill across calls.
        let (sha, written, _) = try Self.write(data, chunks: [1 << 18, 1000, 77_777, 4096], to: path)
        #expect(written == Int64(size))
        #expect(sha == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        let onDisk = try #require(FileManager.default.contents(atPath: path))
        #expect(onDisk.count == size, "a direct write's padding is truncated away")
        #expect([UInt8](onDisk) == data)
    }

    @Test func directIOIsUsedWhereTheFileSystemAcceptsIt() throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let probe = open(folder + "/probe", O_WRONLY | O_CREAT | tsv_o_direct(), 0o644)
        let accepts = probe >= 0
        if accepts { close(probe) }
        let data = Self.bytes(2 * (1 << 20) + 300)
        let (_, _, direct) = try Self.write(data, chunks: [1 << 18], to: folder + "/s.mp4")
        #expect(direct == accepts, "ext4 and current tmpfs accept O_DIRECT; the writer must use it there and only there")
        #expect(FileManager.default.contents(atPath: folder + "/s.mp4").map([UInt8].init) == data)
    }

    @Test func aFullDeviceFailsWithItsErrorAndNeverHangs() throws {
        // /dev/full refuses O_DIRECT at open (the fallback through the page cache is taken),
        // then every write fails with ENOSPC, as on a full disk.
        let writer = try HashingFileWriter(path: "/dev/full")
        #expect(!writer.isDirect)
        let data = Self.bytes(6 * (1 << 20))
        var refused = false
        data.withUnsafeBytes { all in
            var offset = 0
            while offset < data.count, !refused {
                refused = !writer.append(UnsafeRawBufferPointer(rebasing: all[offset..<min(data.count, offset + (1 << 18))]))
                offset += 1 << 18
            }
        }
        let error = #expect(throws: RemuxError.self) { try writer.finish() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("No space left on device"))
        #expect(writer.failure == ENOSPC)
    }

    @Test func anAbandonedWriterStopsItsThreadsWithoutWritingTheRest() throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/abandoned.mp4"
        let writer = try HashingFileWriter(path: path)
        let data = Self.bytes(5 * (1 << 20) + 10)
        #expect(data.withUnsafeBytes { writer.append($0) })
        writer.abandon()
        #expect(writer.failure == ECANCELED)
        var info = stat()
        try #require(stat(path, &info) == 0)
        // The 10-byte tail was never handed on: at most the five full buffers reached the file.
        #expect(info.st_size < data.count && info.st_size % (1 << 20) == 0, "\(info.st_size) bytes")
    }
}
