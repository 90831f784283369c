import Archive
import Foundation
import Logging
import ServiceLifecycle

/// The long-running form of `tsvault run`: runs at the configured daily time (and once at
/// start when asked), records what it did for `/metrics` and `/health`, and on SIGTERM lets
/// the exports in flight finish and archive before it exits.
public struct NightlyDaemon: Service {
    let runner: Runner
    let state: DaemonState
    let daily: String
    let runAtStart: Bool
    /// Plan for this instant instead of the real clock (recorders with a fixed clock).
    let fixedNow: Date?
    let logger: Logger

    public init(runner: Runner, state: DaemonState, daily: String, runAtStart: Bool, fixedNow: Date? = nil, logger: Logger) {
        self.runner = runner
        self.state = state
        self.daily = daily
        self.runAtStart = runAtStart
        self.fixedNow = fixedNow
        self.logger = logger
    }

    public func run() async throws {
        var first = runAtStart
        while !Task.isCancelled {
            if !first {
                let next = Self.nextFire(daily, after: Date())
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
        } catch {
            await state.failed("\(error)")
            logger.error("run failed", metadata: ["error": "\(error)"])
        }
    }

    /// The next `HH:MM` (worker's local clock) strictly after `now`.
    static func nextFire(_ daily: String, after now: Date) -> Date {
        let minutes = Clock.minutes(daily) ?? 60
        let calendar = Calendar.current
        var next = calendar.date(bySettingHour: minutes / 60, minute: minutes % 60, second: 0, of: now)!
        if next <= now { next = calendar.date(byAdding: .day, value: 1, to: next)! }
        return next
    }
}
