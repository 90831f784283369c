import Archive
import Foundation
import Logging
import TSAPI

/// Progress of a run, for a terminal or the log.
public enum RunProgress: Sendable {
    case planned(server: String, windows: Int, missingMinutes: Int)
    case windowStarted(ExportWindow)
    /// One exported file was downloaded, verified and archived (before `next` is sent).
    case fileArchived(ExportWindow, file: String, bytes: Int64, segments: Int)
    case windowFinished(ExportWindow, WindowRecord)
    case retrying(ExportWindow, attempt: Int, error: String)
    case serverFailed(server: String, error: String)
}

/// One nightly run: for every recorder, plan what the archive lacks, export it window by
/// window (oldest first, bounded per recorder and globally), ingest every file before
/// acknowledging it, record each window's attempts and outcome, and report.
public struct Runner: Sendable {
    public private(set) var config: TSVaultConfiguration
    public let archive: Archive
    public let logger: Logger
    /// Attempts per window; transient failures (dropped socket, cut download, 5xx, timeouts)
    /// retry with backoff, permanent ones stop the window at once.
    public var windowRetry = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(30))
    /// Connection tuning applied to every recorder (tests shorten timeouts).
    public var tuneConnection: @Sendable (inout ConnectionSettings) -> Void = { _ in }
    /// Set by a graceful shutdown: no window starts after it, the ones running finish.
    public var stop = StopFlag()
    /// Bytes downloaded so far by this runner, live (for a progress display).
    public let transferred = TransferMeter()
    /// Archive videos while they download (the default); `TSVAULT_DOWNLOAD_WHOLE=1` downloads
    /// each whole first, as before, for side-by-side benchmarks (Benchmarks/nightly-run.sh).
    public var streamsDownloads = ProcessInfo.processInfo.environment["TSVAULT_DOWNLOAD_WHOLE"] != "1"
    /// Videos cut while they download, at most one per core at once: each holds a demuxer, a
    /// muxer with its hashing thread and a window of its transfer, and more of them than cores
    /// only contend. Further exports wait for a slot before downloading (their recorder task
    /// kept alive by `wait`).
    let cutting = AsyncLimiter(ProcessInfo.processInfo.activeProcessorCount)

    public init(config: TSVaultConfiguration, archive: Archive, logger: Logger) {
        self.config = config
        self.archive = archive
        self.logger = logger
    }

    /// This runner for one recorder alone: the same archive, connection tuning, retries and
    /// stop flag (live watch's catch-up after a recorder reports storage trouble).
    public func only(_ server: TSVaultConfiguration.Server) -> Runner {
        var runner = self
        runner.config.servers = [server]
        return runner
    }

    /// `now` is the instant the plan is made for; `deadline` is when the run window closes
    /// (no export starts after it; the one in flight finishes).
    public func run(
        now: Date = Date(), deadline: Date? = nil, progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunReport {
        let runID = try archive.startRun()
        let started = Date()
        let global = AsyncLimiter(config.concurrency.global)
        let archiveFailure = ArchiveFailureLatch()
        var servers: [RunReport.Server] = []
        var lost: [LostDay] = []
        await withTaskGroup(of: (RunReport.Server, [LostDay]).self) { group in
            for server in config.servers {
                group.addTask {
                    await runServer(
                        server, runID: runID, now: now, deadline: deadline, global: global,
                        archiveFailure: archiveFailure, progress: progress)
                }
            }
            for await (report, lostDays) in group {
                servers.append(report)
                lost += lostDays
            }
        }
        servers.sort { $0.name < $1.name }
        let report = RunReport(runID: runID, startedAt: started, finishedAt: Date(), servers: servers, lost: lost)
        try archive.finishRun(runID, status: report.complete ? .complete : .incomplete, reportJSON: try report.storedJSON())
        return report
    }

    private func runServer(
        _ server: TSVaultConfiguration.Server, runID: Int64, now: Date, deadline: Date?, global: AsyncLimiter,
        archiveFailure: ArchiveFailureLatch, progress: @escaping @Sendable (RunProgress) -> Void
    ) async -> (RunReport.Server, [LostDay]) {
        var settings = ConfigurationLoader.connection(server)
        tuneConnection(&settings)
        do {
            return try await TSAPIClient.withClient(settings, logger: logger) { client in
                let info = try await client.serverInfo()
                let zone = try client.timeZone(of: info)
                // Kept for evidence manifests: who the recorder says it is, and channel names.
                let titles = Dictionary(
                    (try? await client.channels())?.map { ($0.chid, $0.displayName) } ?? [], uniquingKeysWith: { a, _ in a })
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                try archive.recordRecorderIdentity(
                    server: server.name, infoJSON: String(decoding: try encoder.encode(info), as: UTF8.self),
                    channelTitles: titles)
                let plans = try await Planner.plan(client: client, zone: zone, archive: archive, server: server, settings: config, now: now)
                let windows = plans.flatMap(\.windows).sorted { $0.start < $1.start }
                progress(
                    .planned(server: server.name, windows: windows.count, missingMinutes: windows.reduce(0) { $0 + $1.missingMinutes }))
                let records = await exportAll(
                    windows, client: client, zone: zone, runID: runID, deadline: deadline,
                    perServer: AsyncLimiter(server.maxConcurrentExports), global: global,
                    archiveFailure: archiveFailure, progress: progress)
                let events = await storeEvents(
                    server: server.name, channels: Set(plans.map(\.channel)), client: client, zone: zone, now: now)
                var lost: [LostDay] = []
                var channels: [RunReport.Channel] = []
                for plan in plans {
                    lost += try recordRecorderDays(plan, zone: zone.zone, runID: runID)
                    channels.append(
                        try channelReport(
                            plan, records: records, zone: zone, now: now,
                            lost: lost.filter { $0.channel == plan.channel }))
                }
                return (
                    RunReport.Server(
                        name: server.name, error: nil, channels: channels, newEvents: events.new,
                        eventLogError: events.error, timeZone: zone.zone.identifier), lost
                )
            }
        } catch {
            progress(.serverFailed(server: server.name, error: "\(error)"))
            return (RunReport.Server(name: server.name, error: "\(error)", channels: []), [])
        }
    }

    /// Remembers what the recorder lists of the channel now; the minutes of days it no longer
    /// lists that the archive lacks are recorded as lost, once (the days are forgotten then).
    private func recordRecorderDays(_ plan: ChannelPlan, zone: TimeZone, runID: Int64) throws -> [LostDay] {
        let gone = LostFootage.overwritten(
            remembered: try archive.recorderDays(server: plan.server, channel: plan.channel), current: plan.days)
        let lost = try gone.compactMap { day -> LostDay? in
            let start = Date(unixMicros: day.startMicros)
            let archived =
                try archive.coverage(
                    server: plan.server, channel: plan.channel, from: start,
                    to: start.addingTimeInterval(Double(day.recorded.count * 60)), zone: zone
                ).first?.minutes ?? []
            return LostFootage.lost(day, archived: archived, server: plan.server, channel: plan.channel)
        }
        try archive.updateRecorderDays(
            server: plan.server, channel: plan.channel, current: plan.days, forgetting: gone.map(\.day),
            lost: lost, run: runID)
        return lost
    }

    /// Reads the recorder's event log of the look-back (all of it every night: what a failed
    /// night missed, the next one gets) and stores the cameras' connections and recording
    /// switched off or on (the reasons for gaps) and what it said of its storage; with
    /// retention by events configured, the channel events too.
    private func storeEvents(
        server: String, channels: Set<Int>, client: TSAPIClient, zone: RecorderTimeZone,
        now: Date
    ) async -> (new: Int?, error: String?) {
        do {
            let from = now.addingTimeInterval(-Double(config.lookBackDays) * 86_400)
            let log = try await client.eventLog(from: from, to: now, zone: zone)
            for entry in log where entry.channel == nil {
                guard let event = StorageWords.event(server: server, at: entry.begin, code: entry.code, name: entry.codeName ?? "")
                else { continue }
                try archive.recordStorageEvent(event)
            }
            let entries = log.filter { $0.channel.map(channels.contains) ?? false }
            try archive.recordStatusChanges(server: server, entries.compactMap(EventLogStatus.change))
            guard config.retention?.events != nil else { return (nil, nil) }
            let events = entries.map { e in
                ArchivedEvent(
                    channel: e.channel ?? 0, recorderID: Int64(e.id), typeName: e.typeName ?? "type \(e.type)",
                    codeName: e.codeName ?? "code \(e.code)", beginMicros: e.begin.unixMicros, endMicros: e.end.map(\.unixMicros))
            }
            return (try archive.recordEvents(server: server, events), nil)
        } catch {
            logger.warning("event log not stored", metadata: ["server": "\(server)", "error": "\(error)"])
            return (nil, "\(error)")
        }
    }

    private func exportAll(
        _ windows: [ExportWindow], client: TSAPIClient, zone: RecorderTimeZone, runID: Int64, deadline: Date?,
        perServer: AsyncLimiter, global: AsyncLimiter, archiveFailure: ArchiveFailureLatch,
        progress: @escaping @Sendable (RunProgress) -> Void
    ) async -> [WindowRecord] {
        await withTaskGroup(of: WindowRecord.self) { group in
            for window in windows {
                group.addTask {
                    await perServer.withSlot {
                        await global.withSlot {
                            await exportWindow(
                                window, client: client, zone: zone, deadline: deadline,
                                archiveFailure: archiveFailure, progress: progress)
                        }
                    }
                }
            }
            var records: [WindowRecord] = []
            for await record in group {
                records.append(record)
                do { try archive.record(window: record, run: runID) } catch {
                    logger.error("cannot record a window", metadata: ["error": "\(error)"])
                }
            }
            return records
        }
    }

    /// One window, retried while its failures are transient.
    private func exportWindow(
        _ window: ExportWindow, client: TSAPIClient, zone: RecorderTimeZone, deadline: Date?,
        archiveFailure: ArchiveFailureLatch, progress: @escaping @Sendable (RunProgress) -> Void
    ) async -> WindowRecord {
        var record = WindowRecord(
            server: window.server, channel: window.channel, startMicros: window.start.unixMicros,
            endMicros: window.end.unixMicros, attempts: 0, status: .notStarted, error: nil, bytes: 0, files: 0)
        if let deadline, Date() >= deadline {
            record.error = "the run window closed before this export could start"
            return record
        }
        if stop.isSet {
            record.error = "tsvault was shutting down before this export could start"
            return record
        }
        if let failure = archiveFailure.failure {
            record.error = "not started: the archive failed earlier in this run (\(failure))"
            return record
        }
        progress(.windowStarted(window))
        while true {
            record.attempts += 1
            do {
                let outcome = try await exportOnce(window, client: client, zone: zone, progress: progress)
                record.status = outcome.noData ? .noData : .archived
                record.bytes = outcome.bytes
                record.files = outcome.fileSets
                record.error = nil
                break
            } catch let error as TSAPIError where error.isTransient && record.attempts < windowRetry.maxAttempts {
                record.error = error.description
                progress(.retrying(window, attempt: record.attempts, error: error.description))
                try? await Task.sleep(for: windowRetry.delay(afterAttempt: record.attempts))
            } catch {
                record.status = archiveFailure.record(error) ? .archiveFailed : .failed
                record.error = "\(error)"
                break
            }
        }
        progress(.windowFinished(window, record))
        return record
    }

    private func exportOnce(
        _ window: ExportWindow, client: TSAPIClient, zone: RecorderTimeZone,
        progress: @escaping @Sendable (RunProgress) -> Void
    ) async throws -> ExportOutcome {
        let directory = archive.root + "/tmp/download-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var request = ExportRequest(channels: [window.channel], begin: window.start, end: window.end)
        request.timeouts = client.settings.exportTimeouts
        let archive = self.archive
        let driver = ExportDriver(client: client, zone: zone, meter: transferred, streamsVideo: streamsDownloads)
        let cutting = self.cutting
        return try await driver.run(request, into: directory) { set in
            defer { for file in set.files { unlink(file.path) } }
            // Ingest cuts the file off the cooperative pool that also runs the socket and its
            // wait ticker (on the ingest queue, or the stream's reader thread).
            let (name, bytes, result): (String, Int64, IngestResult)
            if let stream = set.stream {
                result = try await Self.ingest(
                    stream, subtitle: set.subtitle?.path, window: window, zone: zone, archive: archive, directory: directory,
                    cutting: cutting)
                (name, bytes) = (stream.name, stream.transferred?.size ?? 0)
            } else if let video = set.video {
                result = try await Self.ingest(video, subtitle: set.subtitle?.path, window: window, zone: zone, archive: archive)
                (name, bytes) = (video.name, video.size)
            } else {
                return
            }
            progress(.fileArchived(window, file: name, bytes: bytes, segments: result.segments))
        }
    }

    /// Archives a video while it downloads; one that cannot be read that way is downloaded whole.
    private static func ingest(
        _ stream: StreamedDownload, subtitle: String?, window: ExportWindow, zone: RecorderTimeZone, archive: Archive,
        directory: String, cutting: AsyncLimiter
    ) async throws -> IngestResult {
        let streamed = try await cutting.withSlot {
            try await archive.ingest(
                streamed: RecorderStream(download: stream), server: window.server, channel: window.channel, subtitle: subtitle,
                recorderZone: zone.zone)
        }
        if let streamed { return streamed }
        let video = try await stream.downloadWhole(into: directory)
        return try await ingest(video, subtitle: subtitle, window: window, zone: zone, archive: archive)
    }

    private static func ingest(
        _ video: DownloadedFile, subtitle: String?, window: ExportWindow, zone: RecorderTimeZone, archive: Archive
    ) async throws -> IngestResult {
        defer { unlink(video.path) }
        return try await archive.ingest(
            file: video.path, server: window.server, channel: window.channel, subtitle: subtitle, recorderZone: zone.zone,
            recorderMD5: video.md5, source: video.sha256.map(SourceIdentity.sha256) ?? .recorderMD5)
    }

    /// Exports and archives whatever the recorder holds in [from, to) on `channels` that the
    /// archive lacks (evidence `--fetch-missing`); returns each window's record.
    public func fetchRange(server: TSVaultConfiguration.Server, channels: [Int], from: Date, to: Date) async throws -> [WindowRecord] {
        var settings = ConfigurationLoader.connection(server)
        tuneConnection(&settings)
        return try await TSAPIClient.withClient(settings, logger: logger) { client in
            let zone = try client.timeZone(of: try await client.serverInfo())
            var windows: [ExportWindow] = []
            for channel in channels {
                var day = zone.localDay(containing: from)
                while day.start < to {
                    let recorded = try await client.recordingMinutes(channel: channel, day: day, zone: zone).recorded
                    let archived =
                        try archive.coverage(server: server.name, channel: channel, from: day.start, to: day.end, zone: zone.zone)
                        .first?.minutes ?? []
                    let usable = LocalDayRange(start: day.start, minutes: day.minuteCount).usable(
                        earliest: from, horizon: to.addingTimeInterval(59))
                    windows += Planner.windows(
                        recorded: recorded, archived: archived, mergeGap: config.planner.mergeGapMinutes,
                        maxLength: config.planner.maxWindowMinutes, usable: usable
                    ).map {
                        ExportWindow(
                            server: server.name, channel: channel, start: day.start.addingTimeInterval(Double($0.lowerBound * 60)),
                            end: day.start.addingTimeInterval(Double($0.upperBound * 60)), missingMinutes: $0.count)
                    }
                    day = zone.localDay(containing: day.end.addingTimeInterval(3600))
                }
            }
            var records: [WindowRecord] = []
            let archiveFailure = ArchiveFailureLatch()
            for window in windows {
                records.append(
                    await exportWindow(
                        window, client: client, zone: zone, deadline: nil, archiveFailure: archiveFailure, progress: { _ in }))
            }
            return records
        }
    }

    private func channelReport(
        _ plan: ChannelPlan, records: [WindowRecord], zone: RecorderTimeZone, now: Date,
        lost: [LostDay]
    ) throws -> RunReport.Channel {
        let mine = records.filter { $0.channel == plan.channel }
        var report = RunReport.Channel(
            channel: plan.channel, recorderMinutes: plan.recorderMinutes, archivedBefore: plan.archivedMinutes,
            archivedAfter: 0)
        let earliest = now.addingTimeInterval(-Double(config.lookBackDays * 86_400))
        let horizon = now.addingTimeInterval(-Double(config.planner.settleMinutes * 60))
        for day in plan.days {
            let start = Date(unixMicros: day.startMicros)
            let archived =
                try archive.coverage(
                    server: plan.server, channel: plan.channel, from: start,
                    to: start.addingTimeInterval(Double(day.recorded.count * 60)), zone: zone.zone
                ).first?.minutes ?? []
            let local = LocalDayRange(start: start, minutes: day.recorded.count)
            for i in local.usable(earliest: earliest, horizon: horizon) where day.recorded[i] && i < archived.count && archived[i] {
                report.archivedAfter += 1
            }
        }
        report.windows = mine.count
        report.failedWindows = mine.filter { $0.status.leavesMinutesMissing }.count
        report.archiveFailedWindows = mine.filter { $0.status == .archiveFailed }.count
        report.retries = mine.reduce(0) { $0 + max(0, $1.attempts - 1) }
        report.bytes = mine.reduce(0) { $0 + $1.bytes }
        report.missingReasons = mine.compactMap { $0.status.leavesMinutesMissing ? $0.error : nil }
        report.lostMinutes = lost.reduce(0) { $0 + $1.minutes }
        report.recorderGaps = try archive.statusGaps(
            server: plan.server, channel: plan.channel, fromMicros: earliest.unixMicros, toMicros: now.unixMicros
        ).map(RunReport.RecorderGap.init)
        return report
    }

}

/// A day's minutes as offsets, for the report's look-back and settle bounds.
struct LocalDayRange {
    var start: Date
    var minutes: Int
    func usable(earliest: Date, horizon: Date) -> Range<Int> {
        let first = max(0, Int((earliest.timeIntervalSince(start) / 60).rounded(.up)))
        let last = min(minutes, Int((horizon.timeIntervalSince(start) / 60).rounded(.down)))
        return first..<max(first, last)
    }
}
