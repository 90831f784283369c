import Foundation
import Synchronization

/// A client command on the export socket: `{"task":"…","cmd":"next"|"wait"|"cancel"}`.
enum ClientCommand: Sendable, Equatable {
    case next, wait, cancel
    case unknown(String)
}

/// Hands commands from the socket reader to the session, which waits for them with a
/// deadline. Synchronous state (a Mutex, not an actor) so a cancelled wait can give its
/// continuation back at once.
final class CommandMailbox: Sendable {
    enum Event: Sendable, Equatable {
        case command(ClientCommand)
        case closed
    }

    private struct State {
        var queue: [Event] = []
        var waiter: CheckedContinuation<Event?, Never>?
        var closed = false
    }
    private let state = Mutex(State())

    /// Whether the client has left (stays true once it has, taken or not).
    var clientClosed: Bool { state.withLock { $0.closed } }

    func push(_ event: Event) {
        let waiter: CheckedContinuation<Event?, Never>? = state.withLock { s in
            if event == .closed { s.closed = true }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// The next event, or nil if the waiting task was cancelled.
    private func take() async -> Event? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
                let ready: Event?? = state.withLock { s in
                    if Task.isCancelled { return .some(nil) }
                    if !s.queue.isEmpty { return .some(s.queue.removeFirst()) }
                    s.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The next event if one arrives within `milliseconds`, else nil.
    func receive(withinMilliseconds milliseconds: Int) async -> Event? {
        await withTaskGroup(of: Event?.self) { group in
            group.addTask { await self.take() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(max(0, milliseconds)))
                return nil
            }
            var received: Event?
            if let first = await group.next() { received = first }
            group.cancelAll()
            // An event taken in the same instant the timer fired must not be lost.
            for await late in group where received == nil { received = late }
            return received
        }
    }

    /// An event already waiting, without blocking.
    func poll() -> Event? {
        state.withLock { s in s.queue.isEmpty ? nil : s.queue.removeFirst() }
    }
}
