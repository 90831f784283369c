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
        // Two messages on the first connection: the motion state on subscribing, then the event.
        try await RecorderFixture.with(NightlyRunTests.recorder(), faults: [FaultRule(kind: .dropEvents, param: 2, times: 1)]) { r in
            let work = try FixtureDirectory.make("live")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[2]",
                extra: "live: { events: [motion], beforeSeconds: 10, afterSeconds: 10, settleSeconds: 1 }")
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: NightlyRunTests.quiet)
            let settings = try #require(config.live)
            let watch = {
                var watch = LiveWatch(config: config, settings: settings, runner: runner, logger: NightlyRunTests.quiet)
                watch.backoff = [.milliseconds(300)]
                return watch
            }()

            // The next motion clip of channel 2 after the recorder's clock, from the schedule it follows.
            let schedule = RecordingSchedule(
                time: ServerTime(zone: NightlyRunTests.zone), gopSeconds: r.config.gopSeconds, channelCount: r.config.channels,
                retentionDays: r.config.retentionDays)
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
