import Foundation
import Remux
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// The client on a recorder that speaks only the legacy API (before v3.0): every answer the
/// worker reads, parsed from the legacy guide's shapes, equal to what the same recorder says
/// through v1 (a `both` simulator answers the two at once).
@Suite(.timeLimit(.minutes(5))) struct LegacyClientTests {
    static func recorder(_ mode: SimulatorConfiguration.APIMode) -> SimulatorConfiguration {
        RecorderFixture.configuration {
            $0.api = mode
            $0.siteName = "Lobby & yard"
        }
    }

    /// Runs `body` with a legacy client and a v1 client of the same `both` recorder.
    func withBoth(_ body: @Sendable (RecorderFixture, TSAPIClient) async throws -> Void) async throws {
        try await RecorderFixture.with(Self.recorder(.both), login: .userPassword("1234"), api: .legacy) { legacy in
            var settings = legacy.client.settings
            settings.api = .v1
            settings.credential = .apiKey(.literal(Secret(legacy.apiKey)))
            try await TSAPIClient.withClient(settings) { v1 in try await body(legacy, v1) }
        }
    }

    @Test func infoChannelsAndStatusReadTheLegacyShapes() async throws {
        try await withBoth { legacy, v1 in
            let info = try await legacy.client.serverInfo()
            #expect(info.apiVersion == "TS-API@0.9.20" && info.siteName == "Lobby & yard", "the site name arrives percent-encoded")
            #expect(info.timeZoneName == "Asia/Seoul" && info.productVersion == "v2.9.5 (64-bit)")
            let channels = try await legacy.client.channels()
            let v1Channels = try await v1.channels()
            #expect(channels == v1Channels && channels.count == 4)
            let status = try await legacy.client.channelStatus()
            #expect(status.map(\.chid) == [1, 2, 3, 4] && status.allSatisfy { $0.code == 200 || $0.code == 404 })
            let v1Status = try await v1.channelStatus()
            #expect(status.map(\.connected) == v1Status.map(\.connected) && status.map(\.recording) == v1Status.map(\.recording))
        }
    }

    @Test func recordedDaysMinutesAndTheEventLogEqualV1s() async throws {
        try await withBoth { legacy, v1 in
            for channel in [1, 2, 3, 4] {
                let days = try await legacy.client.recordingDays(channel: channel, zone: legacy.zone)
                let v1Days = try await v1.recordingDays(channel: channel, zone: legacy.zone)
                #expect(days == v1Days && !days.days.isEmpty)
                for day in days.days {
                    let minutes = try await legacy.client.recordingMinutes(channel: channel, day: day, zone: legacy.zone)
                    let v1Minutes = try await v1.recordingMinutes(channel: channel, day: day, zone: legacy.zone)
                    #expect(minutes == v1Minutes, "channel \(channel) \(day): the per-hour lists give the v1 bitmap")
                }
            }
            let from = legacy.date("2026-11-24T00:00:00")
            let to = legacy.date("2026-11-25T12:00:00")
            let events = try await legacy.client.eventLog(from: from, to: to, zone: legacy.zone, pageSize: 7)
            let v1Events = try await v1.eventLog(from: from, to: to, zone: legacy.zone, pageSize: 50)
            #expect(events == v1Events && events.count > 7, "paged, with times carrying milliseconds and offset")
        }
    }

    @Test func anExportOverDataExportDeliversTheFilesWithTheRecordersMD5() async throws {
        try await RecorderFixture.with(Self.recorder(.legacy), login: .userPassword("1234"), api: .legacy) { r in
            let directory = try RecorderFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let request = ExportRequest(channels: [1], begin: r.date("2026-11-25T10:00:00"), end: r.date("2026-11-25T10:03:00"))
            let log = FileLog()
            let outcome = try await ExportDriver(client: r.client, zone: r.zone).run(request, into: directory) { set in
                let video = try #require(set.video)
                #expect(video.name == "CH1.2026-11-25T10.00.00.mp4" && video.md5.count == 32 && video.sha256 == nil)
                #expect(try PacketDigest.digests(ofFile: video.path).count == 3 * 60 * 10, "3 minutes at 10 fps")
                await log.add(set)
            }
            let sets = await log.sets
            #expect(outcome.fileSets == 1 && sets.first?.subtitle != nil)
        }
    }

    @Test func theEventSocketIsReportedMissingOnALegacyRecorder() async throws {
        try await RecorderFixture.with(Self.recorder(.legacy), login: .userPassword("1234"), api: .legacy) { r in
            let error = await #expect(throws: TSAPIError.self) {
                try await r.client.withEventStream(topics: ["channelStatus"], zone: r.zone) { _ in }
            }
            #expect("\(error.map(String.init(describing:)) ?? "")".contains("live watch (the event socket) needs TS-API v1"))
        }
    }

    @Test func anAPIKeyCannotSpeakToALegacyRecorder() async throws {
        let error = await #expect(throws: TSAPIError.self) {
            try await RecorderFixture.with(Self.recorder(.legacy), login: .apiKey, api: .legacy) { r in _ = try await r.client.channels() }
        }
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("user and password"))
    }
}
