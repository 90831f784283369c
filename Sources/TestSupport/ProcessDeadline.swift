import Foundation
import Synchronization

/// Kills a child process that outlives its time limit, so a test that waits on it (its exit,
/// or the end of its output) fails with its name instead of hanging the suite.
public final class ProcessDeadline: Sendable {
    private let killed = Atomic(false)
    public let limit: Duration
    public let what: String

    /// Arms the deadline for `process`, which must already be running.
    public init(_ process: Process, limit: Duration, what: String) {
        self.limit = limit
        self.what = what
        let pid = process.processIdentifier
        // Process is not Sendable; only isRunning is read from the timer, which Foundation
        // guards with its own lock.
        nonisolated(unsafe) let child = process
        let (seconds, attoseconds) = limit.components
        let delay = Double(seconds) + Double(attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            // While isRunning the child is not reaped yet, so its pid is still its own.
            if child.isRunning {
                killed.store(true, ordering: .sequentiallyConsistent)
                kill(pid, SIGKILL)
            }
        }
    }

    /// Waits for the exit; throws `DeadlineExceeded` when the deadline had to kill it.
    public func waitForExit(_ process: Process) throws {
        process.waitUntilExit()
        if killed.load(ordering: .sequentiallyConsistent) { throw DeadlineExceeded(what: what, limit: limit) }
    }
}
