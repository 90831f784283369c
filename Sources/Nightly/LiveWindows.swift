import Foundation

/// What live watch exports: the minutes around each event of a channel, `before` to `after`,
/// merged while they overlap or nearly touch, handed out once the recorder has written them.
/// Pure: the watcher feeds it events and the clock, and exports what `due` returns.
public struct LiveWindows: Sendable, Equatable {
    public struct Window: Sendable, Equatable {
        public var channel: Int
        public var start: Date
        public var end: Date
        /// How many events it covers.
        public var events: Int

        public init(channel: Int, start: Date, end: Date, events: Int = 1) {
            self.channel = channel
            self.start = start
            self.end = end
            self.events = events
        }
    }

    public let before: TimeInterval
    public let after: TimeInterval
    /// Windows of a channel closer than this are one export (a burst of motion is one window).
    public let mergeGap: TimeInterval
    public private(set) var pending: [Window] = []

    public init(before: TimeInterval, after: TimeInterval, mergeGap: TimeInterval = 60) {
        self.before = before
        self.after = after
        self.mergeGap = mergeGap
    }

    /// Adds the window around an event of `channel` at `at`, merged into a pending one of the
    /// channel it overlaps or comes within `mergeGap` of.
    public mutating func add(channel: Int, at: Date) {
        var window = Window(channel: channel, start: at.addingTimeInterval(-before), end: at.addingTimeInterval(after))
        // Merging can make a window reach the next one: repeat until nothing is near.
        while let i = pending.firstIndex(where: {
            $0.channel == channel && $0.start.addingTimeInterval(-mergeGap) <= window.end
                && window.start <= $0.end.addingTimeInterval(mergeGap)
        }) {
            let near = pending.remove(at: i)
            window = Window(
                channel: channel, start: min(near.start, window.start), end: max(near.end, window.end), events: near.events + window.events)
        }
        pending.append(window)
        pending.sort { ($0.end, $0.channel) < ($1.end, $1.channel) }
    }

    /// The windows the recorder has finished writing by `now` (their end plus `settle`), oldest
    /// end first, at most `limit`; they leave `pending`.
    public mutating func due(now: Date, settle: TimeInterval, limit: Int) -> [Window] {
        let ready = pending.filter { $0.end.addingTimeInterval(settle) <= now }.prefix(max(0, limit))
        pending.removeAll { window in ready.contains(window) }
        return Array(ready)
    }
}
