import Foundation
import HTTPTypes
import Remux
import TestSupport
import Testing

@testable import TSAPISimulator

@Suite(.timeLimit(.minutes(5))) struct FaultInjectionTests {
    let window = "timeBegin=2026-11-25T10:00:00%2B09:00&timeEnd=2026-11-25T10:01:00%2B09:00"

    @Test func droppedWebSocketEndsWithoutEnd() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .dropWebSocket, param: 3)]) { sim in
            let run = try await sim.export("ch=1&\(window)")
            #expect(run.stages == ["ready", "begin", "channelBegin"])
            #expect(try await sim.export("ch=1&\(window)").endCode == 0, "fires once")
        }
    }

    @Test func wrongMD5IsAdvertised() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .wrongMD5)]) { sim in
            let run = try await sim.export("ch=1&\(window)&md5=true")
            #expect(run.md5Mismatches == ["CH01_20261125_100000.mp4"])
        }
    }

    @Test func cutDownloadFailsTheTransferAndRangeResumes() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportTTLMilliseconds = 4000 }) { sim in
            async let held = sim.export("ch=1&\(window)&md5=true", behavior: .silent)
            var path: String?
            for _ in 0..<100 where path == nil {
                try await Task.sleep(for: .milliseconds(20))
                path = try? await heldFilePath(sim)
            }
            let url = try #require(path)
            let whole = try await sim.http(.get, url)
            try await sim.arm("cutDownload:1000x1")
            await #expect(throws: (any Error).self, "the client sees the connection end early") {
                _ = try await sim.http(.get, url)
            }
            var headers = HTTPFields()
            headers[.range] = "bytes=1000-"
            let rest = try await sim.http(.get, url, headers: headers)
            #expect(rest.status == .partialContent && Array(whole.body.prefix(1000)) + rest.body == whole.body)
            _ = try await held
        }
    }

    private func heldFilePath(_ sim: LiveSimulator) async throws -> String? {
        guard let task = try FileManager.default.contentsOfDirectory(atPath: sim.config.dataDirectory + "/exports").first else {
            return nil
        }
        let path = "/download/\(task)/CH01_20261125_100000.mp4?apikey=\(sim.apiKey)"
        return try await sim.http(.head, path).status == .ok ? path : nil
    }

    @Test func malformedMessageIsSentOnce() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .malformedMessage, param: 2)]) { sim in
            let run = try await sim.export("ch=1&\(window)")
            #expect(run.unparseable.count == 1 && run.messages[2] == run.unparseable[0])
            #expect(run.endCode == 0, "the session itself goes on")
        }
    }

    @Test func hostileFileNamesAreServedUnderTheirEncodedName() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .hostileFileName)]) { sim in
            let run = try await sim.export("ch=1&\(window)&md5=true")
            #expect(run.files.keys.contains("../../CH01_20261125_100000.mp4"))
            #expect(run.md5Mismatches.isEmpty)
            let src =
                (((run.first("fileEnd")?["channel"] as? [String: Any])?["file"] as? [String: Any])?["download"] as? [[String: Any]])?
                .first?["src"] as? String
            #expect(src?.hasSuffix("/..%2F..%2FCH01_20261125_100000.mp4") == true)
        }
    }

    @Test func diskFullAndErrorStage() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .diskFullReady)]) { sim in
            #expect(try await sim.export("ch=1&\(window)").readyCode == -5)
            try await sim.arm("diskFullEnd:1")
            let full = try await sim.export("ch=1&\(window)&mediaSize=200KB")
            #expect(full.endCode == -1001 && full.stages.filter { $0 == "fileEnd" }.count == 1)
            try await sim.arm("errorStage:2")
            let error = try await sim.export("ch=1&\(window)")
            #expect(error.stages == ["ready", "begin", "error"] && error.first("error")?["message"] is String)
        }
    }

    @Test func tinyTTLAndThrottledDownloadStillCompleteWithWait() async throws {
        try await LiveSimulator.with { sim in
            try await sim.arm("tinyTTL:300")
            let silent = try await sim.export("ch=1&\(window)", behavior: .silent)
            #expect(silent.endCode == -1004)
            let fileEnd = try #require(silent.first("fileEnd")?["channel"] as? [String: Any])
            #expect((fileEnd["file"] as? [String: Any])?["ttl"] as? Int == 300)
        }
    }
}

/// The media properties tests rely on: real decodable H.264, in-band wall-clock stamps that
/// agree with the minutes bitmap, and identical packets for the same instant in any export.
@Suite(.timeLimit(.minutes(5))) struct ExportMediaTests {
    struct StampedPacket: Hashable {
        var utcMs: Int64
        var md5: String
        var key: Bool
    }

    func stampedPackets(_ bytes: [UInt8]) throws -> [StampedPacket] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("media-\(UUID().uuidString).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try PacketReader(path: path)
        #expect(reader.streams.first?.codecName == "h264" && reader.formatName.contains("mp4"))
        var result: [StampedPacket] = []
        while let packet = try reader.next() {
            let stamp = try #require(InBandTimestamp.find(in: packet.data))
            result.append(StampedPacket(utcMs: stamp.utcMilliseconds, md5: PacketDigest.md5Hex(packet.data), key: packet.isKeyframe))
        }
        return result
    }

    @Test func overlappingExportsShareIdenticalPacketsAndStampsMatchTheBitmap() async throws {
        try await LiveSimulator.with { sim in
            let a = try await sim.export("ch=4&timeBegin=2026-11-25T09:00:00%2B09:00&timeEnd=2026-11-25T09:03:00%2B09:00")
            let b = try await sim.export("ch=4&timeBegin=2026-11-25T09:01:30%2B09:00&timeEnd=2026-11-25T09:05:00%2B09:00")
            let packetsA = try a.files.values.flatMap(stampedPackets)
            let packetsB = try b.files.values.flatMap(stampedPackets)
            let shared = Set(packetsA.map(\.utcMs)).intersection(packetsB.map(\.utcMs))
            #expect(shared.count >= 90 * 10, "at least 90 s of 10 fps overlap")
            let byTimeA = Dictionary(packetsA.map { ($0.utcMs, $0) }, uniquingKeysWith: { x, _ in x })
            let byTimeB = Dictionary(packetsB.map { ($0.utcMs, $0) }, uniquingKeysWith: { x, _ in x })
            #expect(shared.allSatisfy { byTimeA[$0] == byTimeB[$0] }, "same instant, same packet bytes")

            // Every keyframe's embedded minute is a '1' in the bitmap, and every '1' minute of
            // the window has keyframes.
            let minutes = try await sim.get("/api/v1/recording/minutes?ch=4&timeBegin=2026-11-25T09:00:00&timeEnd=2026-11-25T09:04:59")
                .object
            let bitmap = Array(try #require((minutes["data"] as? [[String: Any]])?.first?["minutes"] as? String))
            let start = try #require(ServerTime(zone: sim.config.timeZone).parse("2026-11-25T09:00:00")).seconds * 1000
            let keyMinutes = Set((packetsA + packetsB).filter(\.key).map { Int(($0.utcMs - start) / 60_000) })
            #expect(!keyMinutes.isEmpty && keyMinutes.allSatisfy { bitmap[$0] == "1" })
            #expect(bitmap.indices.filter { bitmap[$0] == "1" }.allSatisfy { keyMinutes.contains($0) })
            #expect((packetsA + packetsB).allSatisfy { $0.utcMs % 100 == 0 }, "frames on the 10 fps grid")
        }
    }

    @Test func exportedFilesDecodeWithTheFFmpegCommandLine() async throws {
        try await LiveSimulator.with { sim in
            let run = try await sim.export("ch=1&timeBegin=2026-11-25T10:00:00%2B09:00&timeEnd=2026-11-25T10:00:10%2B09:00")
            let bytes = try #require(run.files.first { $0.key.hasSuffix(".mp4") }?.value)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("decode-\(UUID().uuidString).mp4").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let message = try FFmpegCommandLine.decodeErrors(path)
            #expect(message.isEmpty, "\(message)")
        }
    }
}
