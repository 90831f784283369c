import Foundation
import GRDB

/// Retention by events: footage around matching recorder events is kept `keepDays` after the
/// event, longer than the age limit, and a quota deletes it only after all other footage.
public struct EventRetention: Sendable, Hashable {
    /// Event type or code names as the recorder reports them, matched without regard to case
    /// (type ids differ between recorders; names are what an operator knows).
    public var names: [String]
    public var keepDays: Int
    public var beforeSeconds: Int
    public var afterSeconds: Int

    public init(names: [String], keepDays: Int, beforeSeconds: Int = 30, afterSeconds: Int = 60) {
        self.names = names
        self.keepDays = keepDays
        self.beforeSeconds = beforeSeconds
        self.afterSeconds = afterSeconds
    }
}

/// Per channel, the merged time ranges that matching events still protect.
public struct ProtectedIntervals: Sendable, Hashable {
    public struct Channel: Sendable, Hashable {
        public var server: String
        public var channel: Int
        public init(server: String, channel: Int) {
            self.server = server
            self.channel = channel
        }
    }

    private var byChannel: [Channel: [Range<Int64>]] = [:]

    public init() {}

    /// Event ranges per channel (any order; they are sorted and merged here).
    public init(_ ranges: [Channel: [Range<Int64>]]) {
        for (channel, list) in ranges {
            for range in list.sorted(by: { $0.lowerBound < $1.lowerBound }) { byChannel[channel, default: []].appendMerging(range) }
        }
    }

    /// Events whose protected range ends after `now − keepDays`, widened by before/after and
    /// merged where they overlap (dense motion events become few ranges).
    static func load(_ db: Database, rule: EventRetention, now: Int64) throws -> ProtectedIntervals {
        var result = ProtectedIntervals()
        let names = rule.names.map { $0.lowercased() }
        guard !names.isEmpty else { return result }
        let before = Int64(rule.beforeSeconds) * 1_000_000
        let after = Int64(rule.afterSeconds) * 1_000_000
        let oldest = now - Int64(rule.keepDays) * 86_400_000_000
        let marks = Array(repeating: "?", count: names.count).joined(separator: ",")
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT v.name, c.chid, e.begin_us, COALESCE(e.end_us, e.begin_us) AS end_us FROM recorder_events e
                JOIN channels c ON c.id = e.channel_id JOIN servers v ON v.id = c.server_id
                WHERE (lower(e.type_name) IN (\(marks)) OR lower(e.code_name) IN (\(marks))) AND COALESCE(e.end_us, e.begin_us) + ? > ?
                ORDER BY e.channel_id, e.begin_us
                """, arguments: StatementArguments(names + names + [after, oldest] as [any DatabaseValueConvertible]))
        while let row = try rows.next() {
            let channel = Channel(server: row["name"], channel: row["chid"])
            let begin: Int64 = row["begin_us"]
            let finish: Int64 = row["end_us"]
            // A recorder may log an end before its begin: such an event protects its begin alone.
            let start = begin - before
            result.byChannel[channel, default: []].appendMerging(start..<max(start, finish + after))
        }
        return result
    }

    /// Whether the segment overlaps a protected range of its channel.
    func covers(_ segment: RetentionCandidate) -> Bool {
        let (start, end) = (segment.start, segment.end)
        guard let ranges = byChannel[Channel(server: segment.server, channel: segment.channel)] else { return false }
        // Merged ranges are sorted by start and by end: find the first that ends after `start`.
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound <= start { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].lowerBound < end
    }
}
