import Foundation
import Logging
import ServiceLifecycle

/// When the daemon starts a run.
public enum DaemonSchedule: Sendable, Hashable {
    /// Every day at this time on the worker's local clock.
    case daily(TimeOfDay)
    case cron(CronSchedule)

    /// The next start strictly after `now`; nil when a cron expression never matches.
    public func next(after now: Date, calendar: Calendar = .current) -> Date? {
        switch self {
        case .daily(let time):
            return time.next(after: now, calendar: calendar)
        case .cron(let cron):
            return cron.next(after: now, calendar: calendar)
        }
    }
}

/// The long-running form of `tsvault run`: runs the nightly job on its schedule (and once at
/// start when asked), records what it did for `/metrics` and `/health`, and on SIGTERM lets
/// the exports in flight finish and archive before it exits.
public struct NightlyDaemon: Service {
    let job: NightlyJob
    let state: DaemonState
    let schedule: DaemonSchedule
    let runAtStart: Bool
    /// Plan for this instant instead of the real clock (recorders with a fixed clock).
    let fixedNow: Date?
    var logger: Logger { job.runner.logger }

    public init(job: NightlyJob, state: DaemonState, schedule: DaemonSchedule, runAtStart: Bool, fixedNow: Date? = nil) {
        self.job = job
        self.state = state
        self.schedule = schedule
        self.runAtStart = runAtStart
        self.fixedNow = fixedNow
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
            if job.runner.stop.isSet { return }
        }
    }

    private func runOnce() async {
        await state.started()
        do {
            let report = try await job.run(planningAt: fixedNow ?? Date())
            await state.finished(report, archive: job.archive)
            logger.notice(
                "run finished", metadata: ["run": "\(report.runID)", "complete": "\(report.complete)", "bytes": "\(report.bytes)"])
        } catch {
            await state.failed("\(error)")
            logger.error("run failed", metadata: ["error": "\(error)"])
        }
    }
}
