import Foundation
import NIOCore
import Synchronization
import Testing

@testable import TSAPI

/// The window a streamed download is read through: the reader sees the file's bytes exactly,
/// the index after the media data comes from a request of its own and must equal the streamed
/// one, memory stays bounded, and every layout it cannot serve is refused (the caller then
/// downloads the file whole) rather than misread.
@Suite(.timeLimit(.minutes(2))) struct StreamedBytesTests {
    /// An MP4's top-level layout: ftyp, an mdat of `media` bytes, then a moov of `index` bytes.
    static func mp4(media: Int, index: Int = 3000) -> [UInt8] {
        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(8 + payload.count)
            return withUnsafeBytes(of: size.bigEndian, Array.init) + Array(type.utf8) + payload
        }
        let mediaBytes = (0..<media).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let indexBytes = index > 1 << 20 ? [UInt8](repeating: 7, count: index) : (0..<index).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        return box("ftyp", Array("isom".utf8) + [0, 0, 2, 0]) + box("mdat", mediaBytes) + box("moov", indexBytes)
    }

    struct Reading<T: Sendable>: Sendable {
        var result: Result<T, any Error>
        var refusal: StreamRefusal?
        var indexFetches: Int
        var appendedBeforeReading: Int64
    }

    /// Feeds `file` in `chunk`-byte pieces (as a transfer would) while `reader` runs on a thread
    /// of its own; the index request is answered with `index` (default: the file's own end).
    static func read<T: Sendable>(
        _ file: [UInt8], index: [UInt8]? = nil, chunk: Int = 16_384, _ reader: @escaping @Sendable (StreamedBytes) throws -> T
    ) async -> Reading<T> {
        let counts = Counts()
        let bytes = StreamedBytes { start, _ in
            counts.fetches.add(1, ordering: .relaxed)
            return index ?? Array(file[Int(start)...])
        }
        let feeder = Task {
            bytes.sizeKnown(Int64(file.count))
            var offset = 0
            do {
                while offset < file.count {
                    let end = min(offset + chunk, file.count)
                    try await bytes.append(ByteBuffer(bytes: file[offset..<end]))
                    counts.appended.store(Int64(end), ordering: .relaxed)
                    offset = end
                }
                bytes.end()
            } catch {}
        }
        let result = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(
                    returning: Result {
                        try bytes.prepare()
                        // The transfer is held back while the reader has not moved on.
                        Thread.sleep(forTimeInterval: 0.2)
                        let before = counts.appended.load(ordering: .relaxed)
                        let value = try reader(bytes)
                        try bytes.readRest()
                        return (value, before)
                    })
            }.start()
        }
        if bytes.refusal != nil { bytes.cancel() } else { bytes.readerFinished() }
        await feeder.value
        return Reading(
            result: result.map(\.0), refusal: bytes.refusal, indexFetches: counts.fetches.load(ordering: .relaxed),
            appendedBeforeReading: (try? result.get().1) ?? -1)
    }

    final class Counts: Sendable {
        let fetches = Atomic<Int>(0)
        let appended = Atomic<Int64>(0)
    }

    /// Reads `count` bytes at `offset` the way a demuxer does (several reads when short).
    static func bytes(_ source: StreamedBytes, at offset: Int64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try out.withUnsafeMutableBytes {
                try source.read(at: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]))
            }
            if n == 0 { break }
            done += n
        }
        return Array(out[0..<done])
    }

    @Test func theReaderSeesTheFilesBytesWithTheIndexFirstAndMemoryBounded() async throws {
        let file = Self.mp4(media: 24 << 20)
        let indexStart = Int64(file.count - 3008)
        let reading = await Self.read(file) { source in
            // A demuxer's order: header, the index at the end, then the media data in order.
            var seen = try Self.bytes(source, at: 0, count: 24)
            let index = try Self.bytes(source, at: indexStart, count: 3008)
            var offset: Int64 = 24
            while offset < indexStart {
                let count = Int(min(262_144, indexStart - offset))
                seen += try Self.bytes(source, at: offset, count: count)
                offset += Int64(count)
            }
            return (seen + index, source.size)
        }
        let (seen, size) = try reading.result.get()
        #expect(seen == file && size == Int64(file.count))
        #expect(reading.refusal == nil && reading.indexFetches == 1)
        #expect(
            reading.appendedBeforeReading <= StreamedBytes.aheadLimit + 2 * 16_384,
            "the transfer waited for the reader: \(reading.appendedBeforeReading) bytes in")
    }

    @Test func anIndexThatDiffersFromTheStreamedOneIsRefused() async {
        let file = Self.mp4(media: 1 << 20)
        var forged = Array(file[(file.count - 3008)...])
        forged[100] ^= 0xFF
        let reading = await Self.read(file, index: forged) { source in try Self.bytes(source, at: 0, count: 64) }
        #expect(reading.refusal == .indexDiffers(offset: Int64(file.count - 3008 + 100)))
    }

    @Test func aMatroskaFileIsReadInOrderAsItArrivesWithoutAnIndexRequest() async throws {
        let file = StreamedBytes.ebmlMagic + (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 10) }
        let reading = await Self.read(file) { source in
            var seen: [UInt8] = []
            var offset: Int64 = 0
            while offset < source.size {
                let chunk = try Self.bytes(source, at: offset, count: 262_144)
                seen += chunk
                offset += Int64(chunk.count)
            }
            return seen
        }
        #expect(try reading.result.get() == file)
        #expect(reading.refusal == nil && reading.indexFetches == 0)
        #expect(
            reading.appendedBeforeReading <= StreamedBytes.aheadLimit + 2 * 16_384,
            "the transfer waited for the reader: \(reading.appendedBeforeReading) bytes in")
    }

    @Test func aFileNeitherMP4NorMatroskaIsRefused() async {
        // An MPEG transport stream: 188-byte packets, each starting with the sync byte 0x47.
        let transportStream = (0..<600).flatMap { _ in [0x47, 0x40, 0x00, 0x10] + [UInt8](repeating: 0xFF, count: 184) }
        let reading = await Self.read(transportStream) { _ in 0 }
        #expect(reading.refusal == .unknownContainer && reading.indexFetches == 0)
    }

    @Test func goingBackBeyondTheKeptBytesIsRefusedNotMisread() async {
        let file = Self.mp4(media: 24 << 20)
        let reading = await Self.read(file) { source in
            _ = try Self.bytes(source, at: 16 << 20, count: 1024)
            return try Self.bytes(source, at: 100, count: 1024)
        }
        #expect(reading.refusal == .readBehindWindow(offset: 100))
        #expect(throws: StreamRefusal.readBehindWindow(offset: 100)) { try reading.result.get() }
    }

    @Test func anIndexLargerThanWhatIsKeptInMemoryIsRefusedBeforeItIsFetched() async {
        let file = Self.mp4(media: 1 << 20, index: Int(StreamedBytes.indexLimit) + 1)
        let reading = await Self.read(file) { _ in 0 }
        #expect(reading.refusal == .indexTooLarge(bytes: StreamedBytes.indexLimit + 9) && reading.indexFetches == 0)
    }
}
