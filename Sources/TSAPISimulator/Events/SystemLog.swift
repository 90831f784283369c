import Synchronization

/// System events the control endpoint makes the recorder report (storage trouble and its end),
/// beside those the schedule derives: they go to `/api/v1/event/log` and to every subscriber of
/// `systemEvent`, as a real recorder's would. Appended only, so a socket remembers how many it
/// has sent.
final class SystemLog: Sendable {
    private let reported = Mutex<[RecorderEvent]>([])

    /// Records code `code` of the system log type at `at`; returns the event.
    func report(code: Int, at: UnixSeconds) -> RecorderEvent {
        reported.withLock { events in
            // Ids above the schedule's (which are derived, below 2^52): the n-th reported event.
            let event = RecorderEvent(id: (1 << 52) + Int64(events.count), type: 0, code: code, chid: nil, begin: at, end: nil)
            events.append(event)
            return event
        }
    }

    var count: Int { reported.withLock { $0.count } }

    /// The events reported after the first `seen`.
    func events(after seen: Int) -> [RecorderEvent] { reported.withLock { Array($0.dropFirst(seen)) } }

    /// The reported events inside `window`.
    func events(in window: TimeSpan) -> [RecorderEvent] {
        reported.withLock { $0.filter { window.start <= $0.begin && $0.begin < window.end } }
    }
}
