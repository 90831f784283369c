import Foundation
import Remux
import TestSupport
import Testing

@testable import TSAPISimulator

/// Exports under the other recorder profiles: H.265, AAC and G.711 audio, gaps kept as a
/// hole inside one file, and a throttled download.
@Suite(.timeLimit(.minutes(5))) struct ExportVariantTests {
    let tenSeconds = "timeBegin=2026-11-25T10:00:00%2B09:00&timeEnd=2026-11-25T10:00:10%2B09:00"

    /// Writes `bytes` to a temporary file for libavformat and the ffmpeg command line.
    func withTemporaryFile<T>(_ bytes: [UInt8], ext: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString).\(ext)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test func h265ExportCarriesStampedHEVC() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.codec = .h265 }) { sim in
            let run = try await sim.export("ch=1&\(tenSeconds)&md5=true")
            #expect(run.endCode == 0 && run.md5Mismatches.isEmpty)
            let bytes = try #require(run.files["CH01_20261125_100000.mp4"])
            try withTemporaryFile(bytes, ext: "mp4") { path in
                let reader = try PacketReader(path: path)
                #expect(reader.streams.map(\.codecName) == ["hevc"])
                var stamps: [Int64] = []
                while let packet = try reader.next() { stamps.append(try #require(InBandTimestamp.find(in: packet.data)).utcMilliseconds) }
                let start = try #require(ServerTime(zone: sim.config.timeZone).parse("2026-11-25T10:00:00")).seconds * 1000
                #expect(stamps.count == 100 && stamps.min() == start && stamps.max() == start + 9_900)
                #expect(try FFmpegCommandLine.decodeErrors(path) == "")
            }
        }
    }

    @Test(arguments: [AudioCodec.aac, .pcmMulaw])
    func audioExportsDecodeAndCoverTheVideo(codec: AudioCodec) async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.audio = codec }) { sim in
            let run = try await sim.export("ch=1&\(tenSeconds)&md5=true")
            let ext = codec == .aac ? "mp4" : "mkv"
            let bytes = try #require(run.files["CH01_20261125_100000.\(ext)"], "files: \(run.files.keys.sorted())")
            #expect(run.md5Mismatches.isEmpty)
            try withTemporaryFile(bytes, ext: ext) { path in
                let reader = try PacketReader(path: path)
                #expect(reader.formatName.contains(codec == .aac ? "mp4" : "matroska"))
                #expect(reader.streams.map(\.codecName) == ["h264", codec == .aac ? "aac" : "pcm_mulaw"])
                var audioSeconds = 0.0
                var videoPackets = 0
                while let packet = try reader.next() {
                    if packet.streamIndex == 1 {
                        let tb = reader.streams[1].timeBase
                        audioSeconds += Double(packet.duration) * Double(tb.numerator) / Double(tb.denominator)
                    } else {
                        videoPackets += 1
                        #expect(InBandTimestamp.find(in: packet.data) != nil)
                    }
                }
                #expect(videoPackets == 100)
                #expect(abs(audioSeconds - 10) < 0.1, "audio covers the 10 s of video, got \(audioSeconds) s")
                #expect(try FFmpegCommandLine.decodeErrors(path) == "")
            }
        }
    }

    @Test func audioPacketsAreIdenticalForTheSameInstantInTwoExports() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.audio = .aac }) { sim in
            let a = try await sim.export("ch=1&timeBegin=2026-11-25T10:00:00%2B09:00&timeEnd=2026-11-25T10:00:20%2B09:00")
            let b = try await sim.export("ch=1&timeBegin=2026-11-25T10:00:10%2B09:00&timeEnd=2026-11-25T10:00:30%2B09:00")
            func audioByTime(_ bytes: [UInt8], fileStartSeconds: Int64) throws -> [Int64: String] {
                try withTemporaryFile(bytes, ext: "mp4") { path in
                    var result: [Int64: String] = [:]
                    let reader = try PacketReader(path: path)
                    while let p = try reader.next() {
                        if p.streamIndex == 1 { result[fileStartSeconds * 16_000 + (p.pts ?? 0)] = PacketDigest.md5Hex(p.data) }
                    }
                    return result
                }
            }
            let left = try audioByTime(try #require(a.files["CH01_20261125_100000.mp4"]), fileStartSeconds: 0)
            let right = try audioByTime(try #require(b.files["CH01_20261125_100010.mp4"]), fileStartSeconds: 10)
            let shared = Set(left.keys).intersection(right.keys)
            #expect(shared.count >= 150, "about 10 s of 1024-sample frames overlap")
            #expect(shared.allSatisfy { left[$0] == right[$0] })
        }
    }

    @Test func holeModeKeepsTheGapsInsideOneFileWithTheSamePackets() async throws {
        let window = "timeBegin=2026-11-25T09:00:00%2B09:00&timeEnd=2026-11-25T10:00:00%2B09:00"
        let hole = try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.gapMode = .hole }) { sim in
            try await sim.export("ch=2&\(window)")
        }
        let split = try await LiveSimulator.with { sim in try await sim.export("ch=2&\(window)") }
        #expect(hole.files.count == 1 && split.files.count > 1, "motion clips: one file with holes vs. one file per clip")

        let holeBytes = try #require(hole.files.values.first)
        let (holeStamps, ptsJumps) = try withTemporaryFile(holeBytes, ext: "mp4") { path -> ([String: Int64], Int) in
            let reader = try PacketReader(path: path)
            var stamps: [String: Int64] = [:]
            var lastPTS: Int64?
            var jumps = 0
            var ordered: [(pts: Int64, stamp: Int64)] = []
            while let p = try reader.next() {
                let stamp = try #require(InBandTimestamp.find(in: p.data)).utcMilliseconds
                stamps[PacketDigest.md5Hex(p.data)] = stamp
                ordered.append((p.pts ?? 0, stamp))
            }
            // Media time advances exactly as wall-clock time, across the holes too.
            let tb = reader.streams[0].timeBase
            for entry in ordered.sorted(by: { $0.pts < $1.pts }) {
                let ms = entry.pts * 1000 * Int64(tb.numerator) / Int64(tb.denominator)
                #expect(entry.stamp - ordered.map(\.stamp).min()! == ms)
                if let last = lastPTS, (entry.pts - last) * 1000 * Int64(tb.numerator) / Int64(tb.denominator) > 1000 { jumps += 1 }
                lastPTS = entry.pts
            }
            return (stamps, jumps)
        }
        #expect(ptsJumps == split.files.count - 1, "one timestamp jump per gap between clips")
        var splitStamps: [String: Int64] = [:]
        for bytes in split.files.values {
            try withTemporaryFile(bytes, ext: "mp4") { path in
                let reader = try PacketReader(path: path)
                while let p = try reader.next() {
                    splitStamps[PacketDigest.md5Hex(p.data)] = try #require(InBandTimestamp.find(in: p.data)).utcMilliseconds
                }
            }
        }
        #expect(holeStamps == splitStamps, "both gap modes carry the same stamped packets")
    }

    @Test func throttledDownloadIsSlowButComplete() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportTTLMilliseconds = 20_000 }) { sim in
            let fast = try await sim.export("ch=1&\(tenSeconds)&md5=true")
            let size = try #require(fast.files.values.first?.count)
            let rate = max(size / 2, 1)
            try await sim.arm("throttleDownload:\(rate)x1")
            let started = ContinuousClock.now
            let slow = try await sim.export("ch=1&\(tenSeconds)&md5=true")
            let elapsed = ContinuousClock.now - started
            #expect(slow.md5Mismatches.isEmpty && slow.files.values.first == fast.files.values.first)
            #expect(elapsed >= .milliseconds(1500), "\(size) bytes at \(rate) B/s take about 2 s, took \(elapsed)")
        }
    }
}
