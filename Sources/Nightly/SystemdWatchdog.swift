import Foundation
import ServiceLifecycle

/// The daemon's side of `Type=notify` and `WatchdogSec=`: `WATCHDOG=1` with a `STATUS=` line
/// every half interval while the daemon's state answers (a daemon whose state actor is stuck
/// stops feeding it, and systemd restarts it), `STOPPING=1` when a graceful shutdown begins.
/// `READY=1` is sent by `DaemonService` once `/metrics` listens.
struct SystemdWatchdog: Service {
    let notifier: SystemdNotifier
    let state: DaemonState
    /// Yields once READY=1 has been sent.
    let ready: AsyncStream<Void>

    func run() async throws {
        guard notifier.socketPath != nil else { return }
        for await _ in ready.cancelOnGracefulShutdown() { break }
        let interval = notifier.watchdogInterval.map { $0 / 2 }
        // Ends at the graceful shutdown's start (the daemon's exports may still be finishing).
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let status = await state.statusLine()
                notifier.notify((interval == nil ? "" : "WATCHDOG=1\n") + "STATUS=" + status)
                try await Task.sleep(for: interval ?? .seconds(30))
            }
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping: exports in flight finish and archive first")
    }
}
