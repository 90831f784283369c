import Foundation
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct RESTClientTests {
    @Test func infoChannelsStatusAndDays() async throws {
        try await RecorderFixture.with { r in
            let info = try await r.client.serverInfo()
            #expect(info.apiVersion.hasPrefix("TS-API@1.") && info.timeZoneName == "Asia/Seoul" && info.productName == "TS-NVR")
            let channels = try await r.client.channels()
            #expect(channels.map(\.chid) == [1, 2, 3, 4])
            let status = try await r.client.channelStatus()
            #expect(status.count == 4)
            let days = try await r.client.recordingDays(channel: 1, zone: r.zone)
            #expect(days.days.map(\.description) == ["2026-11-23", "2026-11-24", "2026-11-25"], "3 retained days")
        }
    }

    @Test(arguments: [SimulatorConfiguration.DaysShape.flat, .nested, .legacyRule])
    func everyDaysShapeParses(shape: SimulatorConfiguration.DaysShape) async throws {
        try await RecorderFixture.with(RecorderFixture.configuration { $0.daysShape = shape }) { r in
            let days = try await r.client.recordingDays(channel: 2, zone: r.zone)
            #expect(days.days.count == 3)
        }
    }

    @Test func minutesBecomeUTCCoverageOnOrdinaryAndDSTDays() async throws {
        try await RecorderFixture.with { r in
            let day = try #require(r.zone.localDay(year: 2026, month: 11, day: 24))
            let coverage = try await r.client.recordingMinutes(channel: 1, day: day, zone: r.zone)
            #expect(coverage.recorded.count == 1440 && coverage.recordedCount == 1440, "continuous channel")
            #expect(coverage.recordedMinuteStarts.first == r.date("2026-11-24T00:00:00+09:00"))
            let outage = try await r.client.recordingMinutes(channel: 3, day: day, zone: r.zone)
            #expect(outage.recordedRuns.count == 2 && outage.recordedCount == 1380, "one hour offline")
        }
        // New York leaves DST on 2026-11-01: a 25-hour day.
        let config = RecorderFixture.configuration {
            $0.timeZone = TimeZone(identifier: "America/New_York")!
            $0.now = Int64(RecorderTimeZone($0.timeZone).parse("2026-11-02T12:00:00")!.timeIntervalSince1970)
        }
        try await RecorderFixture.with(config) { r in
            let day = try #require(r.zone.localDay(year: 2026, month: 11, day: 1))
            let coverage = try await r.client.recordingMinutes(channel: 1, day: day, zone: r.zone)
            #expect(coverage.recorded.count == 1500 && coverage.recordedCount == 1500)
            #expect(coverage.recordedRuns.first?.upperBound == r.date("2026-11-02T00:00:00-05:00"))
        }
    }

    @Test func eventLogPagesToTheEnd() async throws {
        try await RecorderFixture.with { r in
            let from = r.date("2026-11-24T00:00:00")
            let to = r.date("2026-11-25T00:00:00")
            let small = try await r.client.eventLog(from: from, to: to, zone: r.zone, pageSize: 7)
            let big = try await r.client.eventLog(from: from, to: to, zone: r.zone, pageSize: 500)
            #expect(small.count > 7 && small.map(\.id) == big.map(\.id))
            #expect(small.allSatisfy { $0.begin >= from && $0.begin <= to })
        }
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        try await RecorderFixture.with(faults: [FaultRule(kind: .http500, times: 2)]) { r in
            let day = try #require(r.zone.localDay(year: 2026, month: 11, day: 24))
            #expect(try await r.client.recordingMinutes(channel: 1, day: day, zone: r.zone).recordedCount == 1440)
        }
        _ = try await RecorderFixture.with(
            faults: [FaultRule(kind: .http500, times: nil)], retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5))
        ) { r in
            await #expect(
                throws: TSAPIError.serverError(
                    server: "sim", path: "/api/v1/recording/days", status: 500,
                    message: "Internal server error (injected)")
            ) {
                _ = try await r.client.recordingDays(channel: 1, zone: r.zone)
            }
        }
    }

    @Test func jwtLoginRefreshesAfterEarlyExpiryAndWrongPasswordIsTyped() async throws {
        try await RecorderFixture.with(login: .userPassword("1234")) { r in
            _ = try await r.client.channels()
            try await r.control("tokens/expire", json: "{}")
            #expect(try await r.client.channels().count == 4, "401 → refresh → retry")
            let counters = await r.client.authCounters()
            #expect(counters.logins == 1 && counters.refreshes == 1)
        }
        await #expect(throws: TSAPIError.unauthorized(server: "sim", path: "/api/v1/auth/login")) {
            try await RecorderFixture.with(login: .userPassword("wrong")) { r in _ = try await r.client.channels() }
        }
    }

    /// This recorder revokes the old refresh token but sends no new one: the second refresh
    /// fails and the client logs in again.
    @Test func refreshWithoutRotatedTokenFallsBackToLogin() async throws {
        try await RecorderFixture.with(RecorderFixture.configuration { $0.refreshWithoutNewToken = true }, login: .userPassword("1234")) {
            r in
            _ = try await r.client.channels()
            for _ in 0..<2 {
                try await r.control("tokens/expire", json: "{}")
                #expect(try await r.client.channels().count == 4)
            }
            let counters = await r.client.authCounters()
            #expect(counters.refreshes == 1 && counters.logins == 2, "\(counters)")
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct ClientUnitTests {
    @Test func hostileNamesAreRefusedAndOddOnesCleaned() throws {
        for hostile in ["../../x.mp4", "/etc/passwd", "a/b.mp4", "..", "C:evil.mp4", "a\\b.mp4", ""] {
            #expect(throws: TSAPIError.hostileFileName(server: "s", name: hostile)) { try SafeFileName.make(hostile, server: "s") }
        }
        #expect(try SafeFileName.make("CH01_20261125_100000.mp4", server: "s") == "CH01_20261125_100000.mp4")
        #expect(try SafeFileName.make(".hidden\u{7}.mp4", server: "s") == "_hidden_.mp4")
        let long = try SafeFileName.make(String(repeating: "é", count: 300) + ".mp4", server: "s")
        #expect(long.utf8.count <= SafeFileName.maxBytes && long.hasSuffix(".mp4"))
    }

    @Test func wrongBitmapLengthNamesServerAndRange() throws {
        let zone = RecorderTimeZone(TimeZone(identifier: "Europe/Berlin")!)
        let day = try #require(zone.localDay(year: 2026, month: 3, day: 29))
        #expect(day.minuteCount == 1380, "spring forward")
        let error = TSAPIError.bitmapLength(server: "nvr1", channel: 2, range: "2026-03-29 (23 h)", expected: 1380, actual: 1440)
        #expect(error.description.contains("nvr1") && error.description.contains("2026-03-29"))
    }

    @Test func recorderTimesParseEveryDocumentedForm() throws {
        let zone = RecorderTimeZone(TimeZone(identifier: "Asia/Seoul")!)
        let expected = Date(timeIntervalSince1970: 1_764_032_400)  // 2025-11-25T01:00:00Z
        for text in [
            "2025-11-25T10:00:00", "2025-11-25T01:00:00Z", "2025-11-25T10:00:00+09:00", "2025-11-25T10:00:00+0900",
            "2025-11-25T10:00:00+09", "2025-11-25T10:00:00.000+09:00", "2025-11-24T20:00:00-05:00"
        ] {
            #expect(zone.parse(text) == expected, "\(text)")
        }
        #expect(zone.parse("2025-11-25") == expected.addingTimeInterval(-36_000))
        #expect(zone.format(expected) == "2025-11-25T10:00:00+09:00")
    }

    @Test func secretsNeverPrint() throws {
        let secret = Secret("tsapi_key_supersecret")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(
            !"\(secret)".contains("supersecret") && !dumped.contains("supersecret") && !String(reflecting: secret).contains("supersecret"))
        let settings = ConnectionSettings(name: "n", baseURL: URL(string: "http://x")!, credential: .apiKey(.literal(secret)))
        var all = ""
        dump(settings, to: &all)
        #expect(!all.contains("supersecret"))
    }
}
