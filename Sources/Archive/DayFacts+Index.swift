import Foundation
import GRDB

extension Archive {
    /// What the index knows of a channel over [start, end) (a day in some zone), as the minute
    /// offsets `MinuteMap` reads: archived segments with their blob's last check, the
    /// recorder's bitmaps projected minute by minute through their instants (so a recorder in
    /// another zone, or a 23- or 25-hour day, lines up), failed export windows with their
    /// error, and active holds. Lost minutes (kept as counts per day), retention deletions
    /// (kept as counts in the custody log) and extractions are not placed yet.
    public func dayFacts(server: String, channel: Int, startMicros: Int64, endMicros: Int64) throws -> DayFacts {
        let minuteMicros: Int64 = 60_000_000
        let count = Int((endMicros - startMicros) / minuteMicros)
        func offsets(_ from: Int64, _ to: Int64) -> Range<Int> {
            let first = Int((max(from, startMicros) - startMicros) / minuteMicros)
            let last = Int((min(to, endMicros) - 1 - startMicros) / minuteMicros)
            return first..<max(first, last + 1)
        }
        var facts = DayFacts(minutes: count, recorded: [Bool?](repeating: nil, count: count))
        for day in try recorderDays(server: server, channel: channel) {
            for (i, bit) in day.recorded.enumerated() {
                let at = day.startMicros + Int64(i) * minuteMicros
                guard at >= startMicros, at < endMicros else { continue }
                facts.recorded[Int((at - startMicros) / minuteMicros)] = bit
            }
        }
        try index.read { db in
            let arguments: StatementArguments = [server, channel, startMicros, endMicros]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT segments.start_us AS s, segments.end_us AS e, blobs.verified_at AS checked, blobs.verify_result AS result
                    FROM segments JOIN blobs ON blobs.sha256 = segments.blob_sha256
                    JOIN channels ON channels.id = segments.channel_id JOIN servers ON servers.id = channels.server_id
                    WHERE servers.name = ? AND channels.chid = ? AND segments.end_us > ? AND segments.start_us < ?
                    """, arguments: arguments)
            {
                let result = row["result"] as String?
                let check: BlobCheck =
                    (row["checked"] as Double?) == nil ? .notYet : (result?.hasSuffix(": ok") ?? false) ? .sound : .failed
                facts.archived.append((offsets(row["s"], row["e"]), check))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT start_us, end_us, error FROM run_windows
                    WHERE server = ? AND channel = ? AND end_us > ? AND start_us < ? AND status = ? ORDER BY id
                    """, arguments: arguments + [WindowStatus.failed.rawValue])
            {
                facts.failed.append((offsets(row["start_us"], row["end_us"]), row["error"] ?? "export failed"))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT case_id, start_us, end_us FROM holds
                    WHERE server = ? AND channel = ? AND end_us > ? AND start_us < ? AND released_at IS NULL ORDER BY id
                    """, arguments: arguments)
            {
                facts.held.append((offsets(row["start_us"], row["end_us"]), row["case_id"]))
            }
        }
        return facts
    }
}
