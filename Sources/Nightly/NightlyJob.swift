import Archive
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The nightly job, whoever starts it (`tsvault run` under a timer, the daemon on its
/// schedule): the run window, then plan, export and archive (`Runner`), then retention, the
/// scrub budget and the backup rotation, with one report stored with the run. Both entry
/// points call this, so one configuration does the same thing however tsvault is started.
public struct NightlyJob: Sendable {
    public let runner: Runner
    /// Who the custody log names for what retention deletes and what backups push.
    public let actor: String
    /// Steps the caller leaves out (`tsvault run --no-retention`, …); the report lists them.
    public var skipping: Set<NightlyStep>
    /// Whether the configured run window applies (`tsvault run --ignore-run-window` says no).
    public var honoursRunWindow: Bool

    public var config: TSVaultConfiguration { runner.config }
    public var archive: Archive { runner.archive }
    var logger: Logger { runner.logger }

    public init(runner: Runner, actor: String, skipping: Set<NightlyStep> = [], honoursRunWindow: Bool = true) {
        self.runner = runner
        self.actor = actor
        self.skipping = skipping
        self.honoursRunWindow = honoursRunWindow
    }

    /// Runs the whole sequence. `now` is the instant plans and retention are made for (a
    /// recorder with a fixed clock needs one); the run window is read at `clock`, the worker's
    /// own time. A graceful shutdown (ServiceLifecycle: SIGTERM, SIGINT) stops new exports, lets
    /// the files in flight be archived, and skips the steps that have not started.
    public func run(
        planningAt now: Date, clock: Date = Date(),
        progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunReport {
        let deadline = honoursRunWindow ? config.runWindow?.deadline(at: clock) : nil
        let stop = runner.stop
        return try await withGracefulShutdownHandler {
            var report = try await Self.shieldedFromGracefulShutdown {
                try await runner.run(now: now, deadline: deadline, progress: progress)
            }
            var skipped: [NightlyStep] = []
            let retention = RetentionSettings.policy(config, now: now)
            for step in NightlyStep.allCases where isConfigured(step, retention: retention != nil) {
                if skipping.contains(step) || stop.isSet {
                    skipped.append(step)
                    continue
                }
                switch step {
                case .retention: if let retention { report.retention = await applyRetention(retention) }
                case .scrub: report.scrub = await scrub()
                case .backup: report.backups = await pushBackups()
                }
            }
            if stop.isSet { report.cutShort = true }
            if !skipped.isEmpty { report.skippedSteps = skipped }
            if let store = config.store { report.indexSnapshot = await pushIndexSnapshot(store) }
            try archive.updateRunReport(report.runID, reportJSON: try report.storedJSON())
            return report
        } onGracefulShutdown: {
            stop.set()
        }
    }

    /// Runs `work` where a graceful shutdown cannot reach it. swift-websocket 1.6.2 (WSCore's
    /// WebSocketHandler) closes every WebSocket it handles as soon as the task's ServiceLifecycle
    /// graceful shutdown fires, which cut the exports in flight that a shutdown must let finish:
    /// their windows failed and the recorder deleted the files. A detached task does not inherit
    /// the graceful-shutdown task local; cancellation is still forwarded, and the run hears the
    /// shutdown through its stop flag.
    private static func shieldedFromGracefulShutdown<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task.detached(operation: work)
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private func isConfigured(_ step: NightlyStep, retention: Bool) -> Bool {
        switch step {
        case .retention: retention
        case .scrub: config.scrub != nil
        case .backup: config.backup != nil
        }
    }

    /// The blocking parts of the archive work below (hashing, demuxing, copying files) run on
    /// the ingest queue, off Swift's cooperative threads (which also serve the daemon's /metrics).
    private func applyRetention(_ settings: (policy: RetentionPolicy, text: String, now: Date)) async -> RetentionOutcome {
        let (policy, text, now) = settings
        let (archive, actor) = (self.archive, self.actor)
        do {
            let result = try await archive.applyRetention(try archive.retentionPlan(policy, now: now), actor: actor, policyText: text)
            let outcome = RetentionOutcome(result)
            logger.notice(
                "retention applied",
                metadata: [
                    "segments": "\(outcome.deletedSegments)", "bytes": "\(outcome.bytesFreed)",
                    "held": "\(outcome.heldSegments)", "eventKept": "\(outcome.eventKeptSegments)",
                    "overQuota": "\(outcome.overQuotaBytes)"
                ])
            return outcome
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
            return RetentionOutcome(error: "\(error)")
        }
    }

    /// The bucket alone must be enough to rebuild the archive: after every run (even one cut
    /// short) a snapshot of the index goes next to the blobs. It holds the run's report as the
    /// runner left it; the steps' outcomes reach the bucket with the next night's snapshot.
    private func pushIndexSnapshot(_ store: TSVaultConfiguration.Store) async -> IndexSnapshotOutcome {
        var outcome = IndexSnapshotOutcome(location: "")
        do {
            let backend = try ArchiveStore.indexBackend(store, logger: logger)
            outcome.location = backend.location
            outcome.snapshot = try await archive.pushIndexSnapshot(to: backend, keep: store.keepIndexSnapshots)
            logger.notice("index snapshot pushed", metadata: ["store": "\(outcome.location)", "snapshot": "\(outcome.snapshot ?? "")"])
        } catch {
            outcome.error = "\(error)"
            logger.error("index snapshot failed", metadata: ["store": "\(outcome.location)", "error": "\(error)"])
        }
        return outcome
    }

    /// Re-reads the blobs checked least recently, `scrub.gbPerRun` of them.
    private func scrub() async -> ScrubOutcome? {
        guard let scrub = config.scrub else { return nil }
        let archive = self.archive
        do {
            let report = try await archive.scrub(level: scrub.level, budgetBytes: Int64(scrub.gbPerRun * 1_000_000_000))
            let outcome = ScrubOutcome(report)
            logger.log(
                level: report.ok ? .notice : .error, "scrub finished",
                metadata: ["blobs": "\(outcome.checkedBlobs)", "bytes": "\(outcome.bytes)", "failed": "\(outcome.damagedBlobs)"])
            return outcome
        } catch {
            logger.error("scrub failed", metadata: ["error": "\(error)"])
            return ScrubOutcome(error: "\(error)")
        }
    }

    /// A push to every configured backup target that is mounted; one that is not (its disk
    /// swapped out for rotation) is skipped, one that fails does not stop the others.
    private func pushBackups() async -> [BackupOutcome]? {
        guard let backup = config.backup else { return nil }
        let (archive, actor) = (self.archive, self.actor)
        let outcomes = await BackupRotation.pushMounted(archive, backup, actor: actor).map { BackupOutcome($0, at: Date()) }
        for outcome in outcomes {
            switch outcome.status {
            case .pushed:
                logger.notice(
                    "backup pushed",
                    metadata: [
                        "target": "\(outcome.label ?? outcome.target)", "snapshot": "\(outcome.snapshot ?? "")",
                        "copied": "\(outcome.copiedBlobs ?? 0)", "damaged": "\(outcome.damagedBlobs ?? 0)"
                    ])
            case .skipped:
                logger.notice("backup target not mounted or not initialized; skipped", metadata: ["target": "\(outcome.target)"])
            case .failed:
                logger.error("backup push failed", metadata: ["target": "\(outcome.target)", "error": "\(outcome.error ?? "")"])
            }
        }
        return outcomes
    }
}

extension NightlyJob {
    /// The job once, as `tsvault run` runs it: under ServiceLifecycle, so SIGTERM or SIGINT
    /// stop it the way they stop the daemon (no new export, the files in flight archived,
    /// `cutShort` in the report).
    public func runHandlingSignals(
        planningAt now: Date, logger: Logger,
        progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunReport {
        let once = OneJob(job: self, now: now, progress: progress)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: once, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        guard let report = once.report.get() else { throw CancellationError() }
        return report
    }
}

/// One run of the job as a service, keeping its report for the caller.
private struct OneJob: Service {
    let job: NightlyJob
    let now: Date
    let progress: @Sendable (RunProgress) -> Void
    let report = ReportBox()

    func run() async throws {
        let result = try await job.run(planningAt: now, progress: progress)
        report.set(result)
    }
}

private final class ReportBox: Sendable {
    private let value = Mutex<RunReport?>(nil)
    func set(_ report: RunReport) { value.withLock { $0 = report } }
    func get() -> RunReport? { value.withLock { $0 } }
}
