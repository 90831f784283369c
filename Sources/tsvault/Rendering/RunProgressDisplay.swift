import Archive
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

/// Progress of `tsvault run`: on a terminal, a line per window and per archived file plus a
/// status line redrawn every second (bytes received so far, rate, windows, ETA); otherwise
/// structured log records, one per event.
struct RunProgressDisplay: Sendable {
    let terminal: Bool
    let logger: Logger
    let meter: TransferMeter
    let tally = ProgressTally()
    private let screen = StatusScreen()

    init(terminal: Bool, logger: Logger, meter: TransferMeter) {
        self.terminal = terminal
        self.logger = logger
        self.meter = meter
    }

    /// Runs `body` with the status line ticking beside it (terminal only).
    func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard terminal else { return try await body() }
        // Runs after the group, when the ticker has stopped drawing.
        defer { screen.status("") }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while true {
                    do { try await Task.sleep(for: .seconds(1)) } catch { return nil }
                    screen.status(tally.statusLine(receivedBytes: meter.bytes))
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    func show(_ event: RunProgress) {
        switch event {
        case .planned(let server, let windows, let minutes):
            tally.planned(windows: windows, minutes: minutes)
            emit("\(server): \(windows) export windows, \(minutes) minutes missing", ["server": "\(server)", "windows": "\(windows)"])
        case .windowStarted(let w):
            tally.started()
            if terminal { screen.line("\(w.server) CH\(w.channel) \(formatUTC(w.start.unixMicros)) … exporting") }
        case .fileArchived(let w, let file, let bytes, let segments):
            emit(
                "\(w.server) CH\(w.channel) \(file): \(Self.size(bytes)) archived as \(segments) segment\(segments == 1 ? "" : "s")",
                ["server": "\(w.server)", "channel": "\(w.channel)", "file": "\(file)", "bytes": "\(bytes)", "segments": "\(segments)"])
        case .windowFinished(let w, let record):
            let size = record.bytes > 0 ? " " + Self.size(record.bytes) : ""
            let totals = tally.finished(minutes: w.missingMinutes, bytes: record.bytes)
            emit(
                "\(w.server) CH\(w.channel) \(formatUTC(w.start.unixMicros))–\(formatUTC(w.end.unixMicros)) \(record.status.rawValue)\(size)"
                    + (record.attempts > 1 ? " after \(record.attempts) attempts" : "") + (record.error.map { ": \($0)" } ?? "")
                    + " [\(totals)]",
                ["server": "\(w.server)", "channel": "\(w.channel)", "status": "\(record.status.rawValue)", "bytes": "\(record.bytes)"])
        case .retrying(let w, let attempt, let error):
            emit("\(w.server) CH\(w.channel) retry after attempt \(attempt): \(error)", ["server": "\(w.server)", "attempt": "\(attempt)"])
        case .serverFailed(let server, let error):
            emit("\(server) FAILED: \(error)", ["server": "\(server)"])
        }
    }

    private func emit(_ text: String, _ metadata: Logger.Metadata) {
        if terminal { screen.line(text) } else { logger.notice("\(text)", metadata: metadata) }
    }

    static func size(_ bytes: Int64) -> String {
        bytes < 1_048_576 ? String(format: "%.0f KiB", Double(bytes) / 1024) : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

}

/// A terminal with one status line kept at the bottom: ordinary lines print above it.
final class StatusScreen: Sendable {
    private let current = Mutex("")

    func line(_ text: String) {
        current.withLock { status in write("\r\u{1B}[K" + text + "\n" + status) }
    }

    func status(_ text: String) {
        current.withLock { status in
            status = text
            write("\r\u{1B}[K" + text)
        }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Totals across a run, for rate and ETA in progress lines.
final class ProgressTally: Sendable {
    private struct State { var minutes = 0, doneMinutes = 0, windows = 0, startedWindows = 0, doneWindows = 0, bytes: Int64 = 0 }
    private let state = Mutex(State())
    private let startTime = ContinuousClock.now

    func planned(windows: Int, minutes: Int) {
        state.withLock {
            $0.windows += windows
            $0.minutes += minutes
        }
    }
    func started() { state.withLock { $0.startedWindows += 1 } }

    /// "12/40 windows, 1.2 GiB, 85 MiB/s, ETA 3m10s" after a window finished.
    func finished(minutes: Int, bytes: Int64) -> String {
        let s = state.withLock { s -> State in
            s.doneWindows += 1
            s.doneMinutes += minutes
            s.bytes += bytes
            return s
        }
        return String(
            format: "%d/%d windows, %.1f GiB, %.0f MiB/s, ETA %@", s.doneWindows, s.windows,
            Double(s.bytes) / 1_073_741_824, rate(s.bytes), eta(s))
    }

    /// "↓ 3.2 GiB at 210 MiB/s · 3 exporting · 12/40 windows done · ETA 3m10s", live.
    func statusLine(receivedBytes: Int64) -> String {
        let s = state.withLock { $0 }
        return String(
            format: "↓ %.1f GiB at %.0f MiB/s · %d exporting · %d/%d windows done · ETA %@",
            Double(receivedBytes) / 1_073_741_824, rate(receivedBytes), s.startedWindows - s.doneWindows,
            s.doneWindows, s.windows, eta(s))
    }

    private var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - startTime
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func rate(_ bytes: Int64) -> Double {
        let seconds = elapsedSeconds
        return seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0
    }

    /// From the share of missing minutes archived so far; "?" before the first window ends.
    private func eta(_ s: State) -> String {
        guard s.doneMinutes > 0 else { return "?" }
        let remaining = Int(elapsedSeconds * Double(s.minutes - s.doneMinutes) / Double(s.doneMinutes))
        return String(format: "%dm%02ds", remaining / 60, remaining % 60)
    }
}
