import Archive
import Foundation
import Logging
import ServiceLifecycle

/// When the daemon starts a run.
public enum DaemonSchedule: Sendable, Hashable {
    /// `HH:MM` on the worker's local clock, every day.
    case daily(String)
    case cron(CronSchedule)

    /// The next start strictly after `now`; nil when a cron expression never matches.
    public func next(after now: Date, calendar: Calendar = .current) -> Date? {
        switch self {
        case .daily(let time):
            let minutes = Clock.minutes(time) ?? 60
            var next = calendar.date(bySettingHour: minutes / 60, minute: minutes % 60, second: 0, of: now)!
            if next <= now { next = calendar.date(byAdding: .day, value: 1, to: next)! }
            return next
        case .cron(let cron):
            return cron.next(after: now, calendar: calendar)
        }
    }
}

/// The long-running form of `tsvault run`: runs on its schedule (and once at
/// start when asked), records what it did for `/metrics` and `/health`, and on SIGTERM lets
/// the exports in flight finish and archive before it exits.
public struct NightlyDaemon: Service {
    let runner: Runner
    let state: DaemonState
    let schedule: DaemonSchedule
    let runAtStart: Bool
    /// Plan for this instant instead of the real clock (recorders with a fixed clock).
    let fixedNow: Date?
    let logger: Logger

    public init(runner: Runner, state: DaemonState, schedule: DaemonSchedule, runAtStart: Bool, fixedNow: Date? = nil, logger: Logger) {
        self.runner = runner
        self.state = state
        self.schedule = schedule
        self.runAtStart = runAtStart
        self.fixedNow = fixedNow
        self.logger = logger
    }

    public func run() async throws {
        var first = runAtStart
        while !Task.isCancelled {
            if !first {
                guard let next = schedule.next(after: Date()) else {
                    logger.error("the schedule never fires; stopping", metadata: ["schedule": "\(schedule)"])
                    return
                }
                await state.scheduled(next)
                logger.notice("next run scheduled", metadata: ["at": "\(ISO8601DateFormatter().string(from: next))"])
                // A graceful shutdown while waiting ends the daemon at once.
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(0, next.timeIntervalSinceNow))) }
                } catch {
                    return
                }
            }
            first = false
            await runOnce()
            if runner.stop.isSet { return }
        }
    }

    /// After each run, when the configuration has a retention policy.
    /// Not after a run cut short by SIGTERM: the daemon is asked to stop, not to start work.
    private func applyRetention() async {
        guard !runner.stop.isSet, let (policy, text, now) = RetentionSettings.policy(runner.config, now: fixedNow ?? Date()) else { return }
        do {
            let archive = runner.archive
            let (plan, result) = try await IngestQueue.shared.run {
                let plan = try archive.retentionPlan(policy, now: now)
                return (plan, try archive.applyRetention(plan, actor: "tsvault daemon", policyText: text))
            }
            await state.retained(result)
            logger.notice("retention applied", metadata: ["segments": "\(result.deletedSegments)", "bytes": "\(result.bytesFreed)",
                                                          "held": "\(plan.heldSegments)", "eventKept": "\(plan.eventKeptSegments)",
                                                          "overQuota": "\(plan.quotaShortfallBytes)"])
        } catch {
            await state.retentionFailed()
            logger.error("retention failed", metadata: ["error": "\(error)"])
        }
    }

    /// After retention, a push to every configured backup target that is mounted; one that
    /// is not (its disk swapped out for rotation) is skipped. Archive work runs on the ingest
    /// queue, off Swift's cooperative threads (which also serve /metrics).
    private func pushBackups() async {
        guard !runner.stop.isSet, let backup = runner.config.backup else { return }
        let archive = runner.archive
        let outcomes = (try? await IngestQueue.shared.run { BackupRotation.pushMounted(archive, backup, actor: "tsvault daemon") }) ?? []
        for outcome in outcomes {
            switch outcome {
            case .pushed(let report):
                await state.backedUp(report)
                logger.notice("backup pushed", metadata: ["target": "\(report.label)", "snapshot": "\(report.snapshot)",
                                                          "copied": "\(report.copiedBlobs)", "damaged": "\(report.damaged.count)"])
            case .skipped(let path):
                logger.notice("backup target not mounted or not initialized; skipped", metadata: ["target": "\(path)"])
            case .failed(let path, let error):
                await state.backupFailed()
                logger.error("backup push failed", metadata: ["target": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// Re-reads the blobs checked least recently, `scrub.gbPerRun` of them.
    private func scrub() async {
        guard !runner.stop.isSet, let scrub = runner.config.scrub else { return }
        let archive = runner.archive
        do {
            let report = try await IngestQueue.shared.run {
                try archive.scrub(level: scrub.level, budgetBytes: Int64(scrub.gbPerRun * 1_000_000_000))
            }
            await state.scrubbed(report)
            let level: Logger.Level = report.ok ? .notice : .error
            logger.log(level: level, "scrub finished", metadata: ["blobs": "\(report.checked)", "bytes": "\(report.bytes)",
                                                                  "failed": "\(report.failures.map(\.sha256))"])
        } catch {
            logger.error("scrub failed", metadata: ["error": "\(error)"])
        }
    }

    private func runOnce() async {
        await state.started()
        do {
            let report = try await withGracefulShutdownHandler {
                try await runner.run(now: fixedNow ?? Date())
            } onGracefulShutdown: {
                runner.stop.set()
            }
            await state.finished(report)
            logger.notice("run finished", metadata: ["run": "\(report.runID)", "complete": "\(report.complete)", "bytes": "\(report.bytes)"])
            await applyRetention()
            await scrub()
            await pushBackups()
        } catch {
            await state.failed("\(error)")
            logger.error("run failed", metadata: ["error": "\(error)"])
        }
    }
}
