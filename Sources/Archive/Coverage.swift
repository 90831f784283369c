import Foundation
import GRDB

/// Archived minutes of one channel over one day.
public struct DayCoverage: Sendable, Codable, Hashable {
    public var server: String
    public var channel: Int
    /// `yyyy-MM-dd` in the zone the query asked for.
    public var day: String
    public var dayStartMicros: Int64
    /// One flag per minute of that day (1380, 1440 or 1500 minutes).
    public var minutes: [Bool]
    public var archivedMinutes: Int { minutes.lazy.filter { $0 }.count }
    /// Runs of minutes without footage, as minute offsets into the day [start, end).
    public var gaps: [Range<Int>] { runs(archived: false) }
    /// Runs of archived minutes, as minute offsets into the day [start, end).
    public var archivedRanges: [Range<Int>] { runs(archived: true) }

    private func runs(archived wanted: Bool) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for i in 0...minutes.count {
            let inRun = i < minutes.count && minutes[i] == wanted
            if inRun, start == nil { start = i }
            if !inRun, let s = start {
                result.append(s..<i)
                start = nil
            }
        }
        return result
    }
}

extension Archive {
    /// Segment intervals [start, end) of a channel overlapping [from, to), merged.
    public func archivedIntervals(server: String, channel: Int, from: Int64, to: Int64) throws -> [Range<Int64>] {
        let rows = try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT segments.start_us AS s, segments.end_us AS e FROM segments
                    JOIN channels ON channels.id = segments.channel_id JOIN servers ON servers.id = channels.server_id
                    WHERE servers.name = ? AND channels.chid = ? AND segments.end_us > ? AND segments.start_us < ?
                    ORDER BY s
                    """, arguments: [server, channel, from, to])
        }
        var merged: [Range<Int64>] = []
        for row in rows { merged.appendMerging((row["s"] as Int64)..<(row["e"] as Int64)) }
        return merged
    }

    /// Per-minute coverage of each local day in [from, to) for every archived channel
    /// (or the ones asked for). A minute counts when any archived frame falls in it.
    public func coverage(server: String?, channel: Int?, from: Date, to: Date, zone: TimeZone) throws -> [DayCoverage] {
        let channels = try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT servers.name AS server, channels.chid AS chid FROM channels JOIN servers ON servers.id = channels.server_id
                    ORDER BY server, chid
                    """
            ).map { (server: $0["server"] as String, chid: $0["chid"] as Int) }
        }.filter { (server == nil || $0.server == server) && (channel == nil || $0.chid == channel) }
        var result: [DayCoverage] = []
        for entry in channels {
            for day in Self.localDays(from: from, to: to, zone: zone) {
                let (startUS, endUS) = (day.range.lowerBound, day.range.upperBound)
                var minutes = Array(repeating: false, count: Int((endUS - startUS) / 60_000_000))
                for interval in try archivedIntervals(server: entry.server, channel: entry.chid, from: startUS, to: endUS) {
                    let first = max(0, Int((interval.lowerBound - startUS) / 60_000_000))
                    let last = min(minutes.count - 1, Int((interval.upperBound - 1 - startUS) / 60_000_000))
                    if first <= last { for m in first...last { minutes[m] = true } }
                }
                result.append(
                    DayCoverage(server: entry.server, channel: entry.chid, day: day.name, dayStartMicros: startUS, minutes: minutes))
            }
        }
        return result
    }

    /// The calendar days in `zone` from the one holding `from` up to `to`: `yyyy-MM-dd` and the
    /// day's instants [start, next start) in microseconds (23, 24 or 25 hours).
    public static func localDays(from: Date, to: Date, zone: TimeZone) -> [(name: String, range: Range<Int64>)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var days: [(String, Range<Int64>)] = []
        var day = calendar.startOfDay(for: from)
        while day < to {
            let next = calendar.date(byAdding: .day, value: 1, to: day)!
            let c = calendar.dateComponents([.year, .month, .day], from: day)
            days.append((String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), day.unixMicros..<next.unixMicros))
            day = next
        }
        return days
    }
}

/// One row of the segment index.
public struct SegmentRecord: Sendable, Codable, Hashable {
    public var sha256: String
    public var startMicros: Int64
    public var endMicros: Int64
    public var frames: Int
    public var keyframes: Int
    public var container: String
    public var codec: String
}

extension Archive {
    /// Every segment of a channel in time order.
    public func segments(server: String, channel: Int) throws -> [SegmentRecord] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT segments.* FROM segments JOIN channels ON channels.id = segments.channel_id
                    JOIN servers ON servers.id = channels.server_id WHERE servers.name = ? AND channels.chid = ? ORDER BY start_us, id
                    """, arguments: [server, channel]
            ).map {
                SegmentRecord(
                    sha256: $0["blob_sha256"], startMicros: $0["start_us"], endMicros: $0["end_us"], frames: $0["frames"],
                    keyframes: $0["keyframes"], container: $0["container"], codec: $0["codec"])
            }
        }
    }

    /// Counts for tests and reports: rows in each table and blob files on disk.
    public func counts() async throws -> (exports: Int, segments: Int, blobs: Int, blobFiles: Int) {
        let (e, s, b) = try index.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exports")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM segments")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs")!
            )
        }
        return (e, s, b, try await blobs.storedNames().count)
    }
}

extension Archive {
    /// The time span of every archived segment, nil when empty.
    public func span() throws -> Range<Int64>? {
        try index.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT MIN(start_us) AS s, MAX(end_us) AS e FROM segments"),
                let s = row["s"] as Int64?, let e = row["e"] as Int64?
            else { return nil }
            return s..<e
        }
    }
}

extension Archive {
    /// The subtitle blob stored with an export, if any.
    public func exportSubtitle(exportID: Int64) throws -> String? {
        try index.read { db in try String.fetchOne(db, sql: "SELECT subtitle_sha256 FROM exports WHERE id = ?", arguments: [exportID]) }
    }
}

extension Archive {
    /// SHA-256 (nil when the recorder's md5 identifies the file) and size of the file an
    /// export was ingested from, as recorded.
    public func exportSource(exportID: Int64) throws -> (sha256: String?, size: Int64)? {
        try index.read { db in
            try Row.fetchOne(db, sql: "SELECT source_sha256, source_size FROM exports WHERE id = ?", arguments: [exportID])
                .map { ($0["source_sha256"], $0["source_size"]) }
        }
    }
}
