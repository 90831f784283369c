import Archive
import Foundation
import Logging
import Nightly
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// Live watch end to end against the simulator's event socket: a motion event at T on channel 2,
/// the socket dropped right after it, and the minutes from T − before to T + after archived a
/// bounded time after the recorder has written them; the next nightly run exports nothing there.
@Suite(.timeLimit(.minutes(4))) struct LiveWatchTests {
    @Test func anEventsMinutesAreArchivedSoonAfterTheRecorderHasThemThroughADroppedSocket() async throws {
        // Four messages on the first connection: the camera, recording and motion states on
        // subscribing, then the event.
        try await RecorderFixture.with(NightlyRunTests.recorder(), faults: [FaultRule(kind: .dropEvents, param: 4, times: 1)]) { r in
            let work = try FixtureDirectory.make("live")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (watch, runner) = try Self.watch(r, work: work, channels: "[2]")
            let archive = runner.archive

            // The next motion clip of channel 2 after the recorder's clock, from the schedule it follows.
            let schedule = Self.schedule(r)
            let now = Int64(NightlyRunTests.recorderNow.timeIntervalSince1970)
            let motion = try #require(
                schedule.liveEvents(after: now + 30, upTo: now + 6 * 3600).first { $0.chid == 2 && $0.change == .motion(true) })
            let t = Date(timeIntervalSince1970: TimeInterval(motion.at))
            let iso = ISO8601DateFormatter()

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watch.run() }
                defer { group.cancelAll() }
                try await Task.sleep(for: .seconds(2))  // subscribed (the simulator answers after 100 ms)
                try await r.control("clock", json: #"{"now":"\#(iso.string(from: t.addingTimeInterval(1)))"}"#)
                try await Task.sleep(for: .milliseconds(500))
                // The recorder writes on: from here it holds T + after.
                try await r.control("clock", json: #"{"now":"\#(iso.string(from: t.addingTimeInterval(15)))"}"#)
                let recorderHasIt = ContinuousClock.now
                let wanted = try await Self.recordedMinutes(r, from: t.addingTimeInterval(-10), to: t.addingTimeInterval(10))
                #expect(!wanted.isEmpty, "the clip's minutes")
                var archived: Set<Date> = []
                while ContinuousClock.now - recorderHasIt < .seconds(60) {
                    archived = try Self.archivedMinutes(archive, from: t.addingTimeInterval(-10), to: t.addingTimeInterval(10))
                    if archived.isSuperset(of: wanted) { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                let latency = ContinuousClock.now - recorderHasIt
                print(
                    "live watch: the minutes around a motion event at \(iso.string(from: t)) archived \(latency) after the recorder had them"
                )
                #expect(archived.isSuperset(of: wanted), "archived \(archived.sorted()) of \(wanted.sorted())")
                #expect(latency < .seconds(30), "bounded: after (10 s) + settle (1 s) + one export")
            }

            // The nightly run then has nothing to export around the event.
            let report = try await runner.run(now: t.addingTimeInterval(15))
            let windows = try archive.windows(ofRun: report.runID)
            let around = (t.addingTimeInterval(-10).unixMicros)..<(t.addingTimeInterval(10).unixMicros)
            #expect(!windows.contains { $0.endMicros > around.lowerBound && $0.startMicros < around.upperBound }, "\(windows)")
        }
    }

    /// Live watch of `r`'s `channels` for motion (10 s before and after, settled 1 s), with its
    /// runner; reconnecting after 300 ms.
    static func watch(
        _ r: RecorderFixture, work: String, channels: String, state: DaemonState? = nil
    ) throws -> (LiveWatch, Runner) {
        let config = try NightlyRunTests.configuration(
            port: r.port, key: r.apiKey, directory: work, channels: channels,
            extra: "live: { events: [motion], beforeSeconds: 10, afterSeconds: 10, settleSeconds: 1 }")
        let runner = Runner(config: config, archive: try Archive(root: config.archive), logger: NightlyRunTests.quiet)
        var watch = LiveWatch(config: config, settings: try #require(config.live), runner: runner, logger: NightlyRunTests.quiet)
        watch.backoff = [.milliseconds(300)]
        watch.state = state
        return (watch, runner)
    }

    /// The schedule `r` follows.
    static func schedule(_ r: RecorderFixture) -> RecordingSchedule {
        RecordingSchedule(
            time: ServerTime(zone: NightlyRunTests.zone), gopSeconds: r.config.gopSeconds, channelCount: r.config.channels,
            retentionDays: r.config.retentionDays)
    }

    /// The minutes [from, to) overlaps that the recorder has recorded, by their start.
    static func recordedMinutes(_ r: RecorderFixture, from: Date, to: Date) async throws -> Set<Date> {
        let day = r.zone.localDay(containing: from)
        let bits = try await r.client.recordingMinutes(channel: 2, day: day, zone: r.zone).recorded
        let first = Int(from.timeIntervalSince(day.start) / 60)
        let last = Int((to.timeIntervalSince(day.start) - 1) / 60)
        return Set((first...last).filter { $0 < bits.count && bits[$0] }.map { day.start.addingTimeInterval(Double($0 * 60)) })
    }

    static func archivedMinutes(_ archive: Archive, from: Date, to: Date) throws -> Set<Date> {
        var minutes: Set<Date> = []
        for segment in try archive.segmentDetails(server: "nvr", channel: 2, from: from.unixMicros - 60_000_000, to: to.unixMicros) {
            var minute = floor(Double(segment.startMicros) / 60_000_000) * 60
            while minute * 1_000_000 < Double(segment.endMicros) {
                minutes.insert(Date(timeIntervalSince1970: minute))
                minute += 60
            }
        }
        return minutes
    }
}

/// What live watch keeps besides footage: a camera's disconnection stored as the socket tells
/// it, and a recorder's storage trouble turned into a warning (health, metrics, `tsvault
/// status`) and a run of that recorder at once, until the recorder says its storage is ready.
@Suite(.timeLimit(.minutes(4))) struct LiveWatchStatusTests {
    @Test func aDisconnectionIsStoredAsItHappensAndStorageTroubleStartsARunOfThatRecorder() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("live-status")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let state = DaemonState()
            let (watch, runner) = try LiveWatchTests.watch(r, work: work, channels: "[4]", state: state)
            let archive = runner.archive
            let schedule = LiveWatchTests.schedule(r)
            let now = Int64(NightlyRunTests.recorderNow.timeIntervalSince1970)
            let outage = try #require(schedule.outages(channel: 4, in: TimeSpan(now + 30, now + 12 * 3600)).first { $0.start > now + 30 })
            let iso = ISO8601DateFormatter()
            func moveClock(to seconds: Int64) async throws {
                try await r.control("clock", json: #"{"now":"\#(iso.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))"}"#)
            }
            let wanted = StatusGap(reason: .cameraDisconnected, startMicros: outage.start * 1_000_000, endMicros: outage.end * 1_000_000)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watch.run() }
                defer { group.cancelAll() }
                try await Task.sleep(for: .seconds(2))
                try await moveClock(to: outage.start + 1)
                try await Task.sleep(for: .milliseconds(700))
                try await moveClock(to: outage.end + 1)
                let gaps = try await Self.eventually {
                    try archive.statusGaps(
                        server: "nvr", channel: 4, fromMicros: (now - 3600) * 1_000_000, toMicros: (outage.end + 60) * 1_000_000
                    )
                    .filter { $0.startMicros >= outage.start * 1_000_000 }
                } until: {
                    $0 == [wanted]
                }
                #expect(gaps == [wanted], "stored from the socket before any nightly run")

                // Storage trouble: a warning everywhere and a run of this recorder, on its clock.
                try await r.control("system-event", json: #"{"code":30}"#)
                let runs = try await Self.eventually {
                    try archive.runs(limit: 5).filter { $0.finishedAt != nil }
                } until: {
                    !$0.isEmpty
                }
                let run = try #require(runs.first, "a catch-up run finished")
                let report = try RunReport(storedJSON: try #require(try archive.runReportJSON(run.id)))
                #expect(report.servers.map(\.name) == ["nvr"] && report.complete && report.bytes > 0, "\(RunReportText.render(report))")
                #expect(await state.storageTrouble["nvr"]?.name == "Storage error")
                let health = await state.health()
                #expect(
                    health.healthy && health.json.contains(#""recorderStorage":[{"at":"#)
                        && health.json.contains(#""event":"Storage error""#))
                let metrics = await state.exposition()
                #expect(metrics.contains(#"tsvault_recorder_storage_trouble{server="nvr"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"tsvault_live_catch_ups_total{server="nvr"} 1"#), "\(metrics)")
                let status = try OperatorStatus.assess(archive, now: NightlyRunTests.recorderNow)
                #expect(status.attention.contains { $0.hasPrefix(#"recorder nvr reported "Storage error" at "#) }, "\(status.attention)")

                // The recorder says its storage is ready: the warning ends, and no second run starts.
                try await r.control("system-event", json: #"{"code":25}"#)
                _ = try await Self.eventually {
                    await state.storageTrouble
                } until: {
                    $0.isEmpty
                }
                let stillTrouble = try archive.storageTrouble()
                #expect(await state.storageTrouble.isEmpty && stillTrouble.isEmpty)
                #expect(await state.exposition().contains(#"tsvault_recorder_storage_trouble{server="nvr"} 0"#))
                #expect(try archive.runs(limit: 5).count == 1)
            }
        }
    }

    /// Polls `body` (every 200 ms, at most 60 s) until `done` holds; returns the last value.
    static func eventually<T>(_ body: () async throws -> T, until done: (T) -> Bool) async throws -> T {
        let start = ContinuousClock.now
        var value = try await body()
        while !done(value), ContinuousClock.now - start < .seconds(60) {
            try await Task.sleep(for: .milliseconds(200))
            value = try await body()
        }
        return value
    }
}
