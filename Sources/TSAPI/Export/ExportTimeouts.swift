import Foundation

/// Bounds on one export session, so that no wait on the recorder lasts forever. A session
/// that exceeds one ends in `socketClosed`, which is transient: the runner retries the window.
public struct ExportTimeouts: Sendable, Hashable {
    /// From opening the socket to the recorder's first message (`ready`). This also bounds a
    /// connect that hangs and the upgrade. It matters beyond slow recorders: WSClient 1.6.2 on
    /// swift-nio 2.101 loses the frames and the end of the connection when a recorder answers
    /// `ready` and closes in the same instant as the upgrade (docs/CLIENT.md, "Every wait is
    /// bounded"); the socket then stays open with nothing to read, and only this bound ends it.
    public var firstMessage: Duration = .seconds(30)
    /// With no message received and no command sent for this long, the session is dead. The
    /// wait ticker sends a command while a file downloads, so a long download is not idle;
    /// the download has its own idle bound (`ConnectionSettings.requestTimeout`).
    public var idle: Duration = .seconds(120)
    /// The whole session, downloads included: a recorder that keeps talking but never ends.
    public var session: Duration = .seconds(6 * 3600)

    public init(firstMessage: Duration = .seconds(30), idle: Duration = .seconds(120), session: Duration = .seconds(6 * 3600)) {
        self.firstMessage = firstMessage
        self.idle = idle
        self.session = session
    }

    /// Which bound, if any, a session has crossed: `elapsed` since it opened, `idle` since
    /// the last traffic, and whether a first message arrived. Pure, so it is tested alone.
    public func exceeded(elapsed: Duration, idle: Duration, sawFirstMessage: Bool) -> String? {
        if elapsed > session { return "(the export session lasted more than \(session))" }
        if !sawFirstMessage, elapsed > firstMessage { return "(no message within \(firstMessage) of opening the export socket)" }
        if idle > self.idle { return "(no message and no command for \(self.idle))" }
        return nil
    }
}
