import Archive
import Dispatch
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// Whole nightly runs against a live simulator: 4 channels (continuous, motion clips, a daily
/// outage, reboots) over 2 days in New York, one of them the 25-hour day DST ends.
@Suite(.timeLimit(.minutes(5))) struct NightlyRunTests {
    static let zone = SyntheticArchive.zone
    /// 01:00 on the day after DST ends: the recorder holds all of Nov 1 (25 h) and one hour.
    static let recorderNow = SyntheticArchive.now

    static func recorder(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) -> SimulatorConfiguration {
        SyntheticArchive.recorder(adjust)
    }

    /// A configuration file for one recorder, with the API key in a 0600 file.
    static func configuration(
        port: Int, key: String, directory: String, channels: String = "all", extra: String = "",
        userPassword: Bool = false
    ) throws -> TSVaultConfiguration {
        let path = try ConfigFile.write(
            port: port, key: key, directory: directory, channels: channels, extra: extra, userPassword: userPassword)
        return try ConfigurationLoader.load(path: path).0
    }

    static var quiet: Logger {
        var logger = Logger(label: "test-run")
        logger.logLevel = ProcessInfo.processInfo.environment["TSV_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// Archive coverage equals the recorder's bitmap for every settled minute of every day.
    static func expectExactCoverage(_ r: RecorderFixture, archive: Archive, channels: [Int], settle: Int = 2) async throws {
        let horizon = recorderNow.addingTimeInterval(Double(-settle * 60))
        for channel in channels {
            for day in try await r.client.recordingDays(channel: channel, zone: r.zone).days {
                let recorder = try await r.client.recordingMinutes(channel: channel, day: day, zone: r.zone)
                let archived = try #require(
                    try archive.coverage(server: "nvr", channel: channel, from: day.start, to: day.end, zone: zone).first)
                #expect(archived.minutes.count == recorder.recorded.count)
                let settled = min(day.minuteCount, max(0, Int(horizon.timeIntervalSince(day.start) / 60)))
                let mismatches = (0..<settled).filter { archived.minutes[$0] != recorder.recorded[$0] }
                #expect(mismatches.isEmpty, "CH\(channel) \(day): \(mismatches.count) minutes differ, first at \(mismatches.first ?? -1)")
            }
        }
    }

    /// The recorder in `mode`, its fixture's client speaking that API (a legacy recorder takes
    /// only user and password), and the configuration leaving the API to be detected.
    static func withRecorder<T: Sendable>(
        _ mode: SimulatorConfiguration.APIMode, _ body: @Sendable (RecorderFixture) async throws -> T
    ) async throws -> T {
        try await RecorderFixture.with(
            recorder { $0.api = mode }, login: mode == .legacy ? .userPassword("1234") : .apiKey, api: mode == .legacy ? .legacy : .v1,
            body)
    }

    @Test(arguments: [SimulatorConfiguration.APIMode.v1, .legacy])
    func oneRunArchivesExactlyWhatTheRecorderHoldsAndASecondRunExportsNothing(api: SimulatorConfiguration.APIMode) async throws {
        try await Self.withRecorder(api) { r in
            let work = try FixtureDirectory.make("nightly")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try Self.configuration(port: r.port, key: r.apiKey, directory: work, userPassword: api == .legacy)
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: Self.quiet)

            let first = try await runner.run(now: Self.recorderNow)
            #expect(first.complete, "\(RunReportText.render(first))")
            let channels = try #require(first.servers.first?.channels)
            #expect(channels.map(\.channel) == [1, 2, 3, 4])
            #expect(channels.allSatisfy { $0.archivedBefore == 0 && $0.archivedAfter == $0.recorderMinutes && $0.recorderMinutes > 0 })
            #expect(channels[0].recorderMinutes == 1500 + 60 - 2, "continuous: the 25-hour day, one hour, minus the settling minutes")
            try await Self.expectExactCoverage(r, archive: archive, channels: [1, 2, 3, 4])
            // Every export is identified by the recorder's md5, checked over its bytes on download;
            // no SHA-256 of the download was computed.
            let server = config.servers[0].name
            let exportIDs = try [1, 2, 3, 4].flatMap { try archive.segmentDetails(server: server, channel: $0, from: 0, to: .max) }
            let exports = try archive.exportRecords(ids: Set(exportIDs.map(\.exportID)))
            #expect(exports.count > 4 && exports.allSatisfy { $0.recorderMD5?.count == 32 && $0.sourceSHA256 == nil })

            let before = try await archive.counts()
            let second = try await runner.run(now: Self.recorderNow)
            #expect(second.complete && second.bytes == 0)
            #expect(second.servers[0].channels.allSatisfy { $0.windows == 0 && $0.archivedBefore == $0.recorderMinutes })
            let after = try await archive.counts()
            #expect(after.segments == before.segments && after.blobFiles == before.blobFiles && after.blobs == after.blobFiles)
            #expect(try archive.runs().count == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: config.archive + "/tmp").isEmpty)
        }
    }

    /// A runner for fault tests: short window and connection retries, then `tune`.
    static func retryingRunner(
        _ r: RecorderFixture, work: String, channels: String,
        tune: @escaping @Sendable (inout ConnectionSettings) -> Void = { _ in }
    ) throws -> (Archive, Runner) {
        let config = try configuration(port: r.port, key: r.apiKey, directory: work, channels: channels)
        let archive = try Archive(root: config.archive)
        var runner = Runner(config: config, archive: archive, logger: quiet)
        runner.windowRetry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(50))
        runner.tuneConnection = {
            $0.retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20))
            tune(&$0)
        }
        return (archive, runner)
    }

    @Test func injectedFaultsAreRetriedAndTheRunStillCompletes() async throws {
        let faults = [
            FaultRule(kind: .dropWebSocket, param: 4, times: 1), FaultRule(kind: .cutDownload, param: 3_000, times: 2),
            FaultRule(kind: .http500, times: 2)
        ]
        try await RecorderFixture.with(Self.recorder(), faults: faults) { r in
            let work = try FixtureDirectory.make("nightly-faults")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (archive, runner) = try Self.retryingRunner(r, work: work, channels: "[1, 3]")
            let report = try await runner.run(now: Self.recorderNow)
            #expect(report.complete, "\(RunReportText.render(report))")
            let retries = report.servers[0].channels.reduce(0) { $0 + $1.retries }
            #expect(retries >= 1, "the dropped socket cost a retry that the report names")
            try await Self.expectExactCoverage(r, archive: archive, channels: [1, 3])
        }
    }

    /// A recorder whose export socket goes silent without closing (nothing after the upgrade,
    /// then silence mid-session) and whose download stalls mid-body: each wait ends at its
    /// configured bound and the window is retried, so the run completes exactly.
    @Test func silentlyClosedSocketsAndStalledDownloadsEndInARetryWithinTheirBounds() async throws {
        let faults = [
            FaultRule(kind: .stallWebSocket, param: 0, times: 1), FaultRule(kind: .stallWebSocket, param: 3, times: 1),
            FaultRule(kind: .stallDownload, param: 3_000, times: 1)
        ]
        try await RecorderFixture.with(Self.recorder(), faults: faults) { r in
            let work = try FixtureDirectory.make("nightly-silent")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (archive, runner) = try Self.retryingRunner(r, work: work, channels: "[1]") {
                $0.requestTimeout = .seconds(2)
                // Idle above the recorder's 5 s fileWriting interval, so only the stall crosses it.
                $0.exportTimeouts = ExportTimeouts(firstMessage: .seconds(2), idle: .seconds(8), session: .seconds(300))
            }
            let started = ContinuousClock.now
            let report = try await runner.run(now: Self.recorderNow)
            let took = ContinuousClock.now - started
            #expect(report.complete, "\(RunReportText.render(report))")
            let retries = report.servers[0].channels.reduce(0) { $0 + $1.retries }
            #expect(
                retries == 2,
                "the silent socket at open and the one mid-session each cost one window retry: \(RunReportText.render(report))")
            // Bounds of 2, 8 and 2 s were crossed; nothing waited for a 30 s or 120 s default.
            #expect(took < .seconds(45), "took \(took)")
            try await Self.expectExactCoverage(r, archive: archive, channels: [1])
        }
    }

    @Test func accessTokensExpiringThroughoutARunAreRefreshed() async throws {
        try await RecorderFixture.with(Self.recorder()) { r in
            let work = try FixtureDirectory.make("nightly-tokens")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try Self.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]", userPassword: true)
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: Self.quiet)
            let report = try await withThrowingTaskGroup(of: RunReport?.self) { group in
                group.addTask { try await runner.run(now: Self.recorderNow) }
                group.addTask {
                    // The recorder expires every access token every 200 ms while the run goes on.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(200))
                        try? await r.control("tokens/expire", json: "{}")
                    }
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() { if let report = result { return report } }
                throw FixtureError("the run did not finish")
            }
            #expect(report.complete, "\(RunReportText.render(report))")
            try await Self.expectExactCoverage(r, archive: archive, channels: [1, 3])
        }
    }

    /// The archive fails mid-run (its blob directory replaced by a file: an I/O error that
    /// even root gets, like a full disk): the failing windows say so, no further export
    /// starts, the report flags it (exit 74 for `tsvault run`), and once the archive is
    /// repaired the next run completes exactly.
    @Test func anArchiveFailureMidRunStopsNewExportsAndIsReported() async throws {
        try await RecorderFixture.with(Self.recorder()) { r in
            let work = try FixtureDirectory.make("nightly-archive-failure")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try Self.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]")
            let archive = try Archive(root: config.archive)
            var runner = Runner(config: config, archive: archive, logger: Self.quiet)
            runner.windowRetry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(20))
            let blobs = config.archive + "/blobs"
            let broken = Mutex(false)
            let report = try await runner.run(now: Self.recorderNow) { event in
                guard case .fileArchived = event else { return }
                broken.withLock { done in
                    guard !done else { return }
                    done = true
                    // One atomic swap: with a rename and then a create, an ingest running
                    // concurrently could recreate blobs/ in between and write there.
                    _ = FileManager.default.createFile(atPath: blobs + ".aside", contents: Data("not a directory".utf8))
                    _ = Self.exchange(blobs, blobs + ".aside")
                }
            }
            #expect(report.archiveFailed && !report.complete, "\(RunReportText.render(report))")
            let channels = report.servers[0].channels
            let reasons = channels.flatMap(\.missingReasons)
            #expect(reasons.contains { $0.contains("cannot write or read") }, "the failing window names the archive error: \(reasons)")
            #expect(reasons.contains { $0.hasPrefix("not started: the archive failed earlier in this run") }, "\(reasons)")
            #expect(channels.reduce(0) { $0 + ($1.archiveFailedWindows ?? 0) } >= 1)

            // Repaired: the next run archives exactly what is missing.
            try FileManager.default.removeItem(atPath: blobs)
            try FileManager.default.moveItem(atPath: blobs + ".aside", toPath: blobs)
            let again = try await runner.run(now: Self.recorderNow)
            #expect(again.complete && !again.archiveFailed, "\(RunReportText.render(again))")
            try await Self.expectExactCoverage(r, archive: archive, channels: [1, 3])
            #expect(try await archive.verify(level: .full).ok)
        }
    }

    /// Swaps two paths atomically (Linux renameat2 with RENAME_EXCHANGE, found at run time:
    /// Swift does not import it); true when it did.
    static func exchange(_ a: String, _ b: String) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let atCurrentDirectory: Int32 = -100
        let exchange: UInt32 = 2
        return renameat2(atCurrentDirectory, a, atCurrentDirectory, b, exchange) == 0
    }

    @Test func retentionByEventsStoresTheEventLogAndKeepsTheFootageAroundIt() async throws {
        try await RecorderFixture.with(Self.recorder()) { r in
            let work = try FixtureDirectory.make("nightly-events")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let retention =
                "retention: { maxAgeDays: 4, events: { types: [\"Motion detection\"], keepDays: 30, beforeSeconds: 0, afterSeconds: 0 } }"
            let config = try Self.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1, 2]", extra: retention)
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: Self.quiet)

            let first = try await runner.run(now: Self.recorderNow)
            #expect(first.complete && first.servers[0].eventLogError == nil, "\(RunReportText.render(first))")
            // Channel 2 records motion clips; the recorder logs one motion event per clip.
            let logged = try await r.client.eventLog(
                from: Self.recorderNow.addingTimeInterval(-3 * 86_400), to: Self.recorderNow, zone: r.zone
            )
            .filter { $0.channel == 1 || $0.channel == 2 }
            let stored = try archive.events(server: "nvr", channel: 2)
            #expect(stored.count > 10 && first.servers[0].newEvents == logged.count)
            #expect(
                stored.map { "\($0.recorderID) \($0.typeName) \($0.beginMicros) \($0.endMicros ?? -1)" }
                    == logged.filter { $0.channel == 2 }.map {
                        "\($0.id) \($0.typeName ?? "") \(Self.micros($0.begin)) \($0.end.map(Self.micros) ?? -1)"
                    })
            #expect(try archive.events(server: "nvr", channel: 3).isEmpty, "only the configured channels")
            let second = try await runner.run(now: Self.recorderNow)
            #expect(second.servers[0].newEvents == 0, "each event is stored once")

            // Ten days later the age limit takes channel 1; channel 2's footage is all motion.
            let settings = try #require(RetentionSettings.policy(config, now: Self.recorderNow.addingTimeInterval(10 * 86_400)))
            let plan = try archive.retentionPlan(settings.policy, now: settings.now)
            let (ch1, ch2) = (try archive.segments(server: "nvr", channel: 1).count, try archive.segments(server: "nvr", channel: 2).count)
            #expect(plan.segments == ch1 && plan.eventKeptSegments == ch2 && ch2 > 0, "\(plan.segments) \(plan.eventKeptSegments)")
            #expect(plan.ranges.allSatisfy { $0.channel == 1 && $0.reason == .age })
        }
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    @Test func aDayTheRecorderOverwroteBeforeItWasArchivedIsReportedLostOnce() async throws {
        try await RecorderFixture.with(Self.recorder()) { r in
            let work = try FixtureDirectory.make("nightly-lost")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try Self.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: Self.quiet)
            // The run window is closed: the run plans (and remembers what the recorder holds)
            // but exports nothing.
            let closed = try await runner.run(now: Self.recorderNow, deadline: Date())
            #expect(!closed.complete && closed.servers[0].channels[0].missingReasons.first?.contains("run window") == true)

            // Two days later the recorder has overwritten Nov 1.
            try await r.control("clock", json: #"{"now":"2026-11-04T01:00:00-05:00"}"#)
            let later = RecorderTimeZone(Self.zone).parse("2026-11-04T01:00:00-05:00")!
            let report = try await runner.run(now: later)
            #expect(report.lost.map(\.day).contains("2026-11-01"))
            #expect(report.lost.first { $0.day == "2026-11-01" }?.minutes == 1500)
            let again = try await runner.run(now: later)
            #expect(again.lost.isEmpty, "reported once")
        }
    }
}

enum FixtureDirectory {
    static func make(_ name: String) throws -> String { try ConfigFile.temporaryDirectory(name) }
}

/// A run killed with SIGKILL mid-export: the next run completes exactly, with no duplicate
/// segment, no blob without its row, and no work file left behind.
@Suite(.timeLimit(.minutes(5))) struct KilledRunTests {
    static func blobFileCount(_ archiveRoot: String) -> Int {
        (FileManager.default.enumerator(atPath: archiveRoot + "/blobs")?.allObjects.count ?? 0)
    }

    @Test(arguments: [SimulatorConfiguration.APIMode.v1, .legacy])
    func aKilledRunIsCompletedByTheNextOne(api: SimulatorConfiguration.APIMode) async throws {
        try await NightlyRunTests.withRecorder(api) { r in
            let work = try FixtureDirectory.make("nightly-kill")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 2, 3]", userPassword: api == .legacy)
            var killedWithData = 0
            for trial in 0..<3 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
                process.arguments = ["run", "--config", work + "/tsvault.yaml", "--now", "2026-11-02T01:00:00-05:00"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                let blobsBefore = Self.blobFileCount(config.archive)
                try process.run()
                // Kill at a random instant after this run began archiving (by the clock alone, a
                // slow start on a loaded machine let every kill land before the first blob).
                let began = ContinuousClock.now
                while process.isRunning, Self.blobFileCount(config.archive) <= blobsBefore, ContinuousClock.now - began < .seconds(60) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...600)))
                kill(process.processIdentifier, SIGKILL)
                try ProcessDeadline(process, limit: .seconds(30), what: "killed tsvault run").waitForExit(process)
                let archive = try Archive(root: config.archive)
                if try await archive.counts().blobFiles > 0 { killedWithData += 1 }
                #expect(try await archive.verify(level: .full).ok, "trial \(trial): what is on disk is sound")
            }
            #expect(killedWithData > 0, "at least one kill landed mid-archive")
            let archive = try Archive(root: config.archive)
            let report = try await Runner(config: config, archive: archive, logger: NightlyRunTests.quiet).run(
                now: NightlyRunTests.recorderNow)
            #expect(report.complete, "\(RunReportText.render(report))")
            try await NightlyRunTests.expectExactCoverage(r, archive: archive, channels: [1, 2, 3])
            for channel in [1, 2, 3] {
                let starts = try archive.segments(server: "nvr", channel: channel).map(\.startMicros)
                #expect(Set(starts).count == starts.count, "CH\(channel): no two segments start at the same instant")
            }
            let counts = try await archive.counts()
            #expect(counts.blobFiles == counts.blobs, "no blob on disk lacks an index row")
            #expect(try FileManager.default.contentsOfDirectory(atPath: config.archive + "/tmp").isEmpty, "no temporary file left")
        }
    }
}

/// Evidence `--fetch-missing`: only the requested minutes the archive lacks are exported.
@Suite(.timeLimit(.minutes(5))) struct FetchRangeTests {
    /// What `evidence extract --fetch-missing` calls, on either API.
    @Test(arguments: [SimulatorConfiguration.APIMode.v1, .legacy])
    func fetchRangeArchivesExactlyTheRequestedMinutesOnce(api: SimulatorConfiguration.APIMode) async throws {
        try await NightlyRunTests.withRecorder(api) { r in
            let work = try FixtureDirectory.make("fetch-range")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1]", userPassword: api == .legacy)
            let archive = try Archive(root: config.archive)
            let runner = Runner(config: config, archive: archive, logger: NightlyRunTests.quiet)
            let from = RecorderTimeZone(NightlyRunTests.zone).parse("2026-11-01T10:00:00")!
            let to = from.addingTimeInterval(600)
            let first = try await runner.fetchRange(server: config.servers[0], channels: [1], from: from, to: to)
            #expect(first.map(\.status) == [.archived])
            let covered = try archive.archivedIntervals(server: "nvr", channel: 1, from: 0, to: .max)
            #expect(covered == [Int64(from.timeIntervalSince1970 * 1e6)..<Int64(to.timeIntervalSince1970 * 1e6)])
            #expect(
                try await runner.fetchRange(server: config.servers[0], channels: [1], from: from, to: to).isEmpty, "nothing left to fetch")
        }
    }
}
