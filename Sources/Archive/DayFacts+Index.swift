import Foundation
import GRDB

extension Archive {
    /// What the index knows of a channel over [start, end) (a day in some zone), as the minute
    /// offsets `MinuteMap` reads: archived segments with their blob's last check, the
    /// recorder's bitmaps projected minute by minute through their instants (so a recorder in
    /// another zone, or a 23- or 25-hour day, lines up), failed export windows with their
    /// error, active holds, lost minutes (the recorder's bitmap of the day when it was
    /// forgotten; rows from before index v9 are counts only and are not placed), and the
    /// retention deletions and evidence extractions the custody log records.
    public func dayFacts(server: String, channel: Int, startMicros: Int64, endMicros: Int64) throws -> DayFacts {
        let minuteMicros: Int64 = 60_000_000
        let count = Int((endMicros - startMicros) / minuteMicros)
        func offsets(_ from: Int64, _ to: Int64) -> Range<Int> {
            let first = Int((max(from, startMicros) - startMicros) / minuteMicros)
            let last = Int((min(to, endMicros) - 1 - startMicros) / minuteMicros)
            return first..<max(first, last + 1)
        }
        var facts = DayFacts(minutes: count, recorded: [Bool?](repeating: nil, count: count))
        /// Calls `body` with the day's offset of each minute of a bitmap that starts at `dayStart`.
        func project(_ bits: [Bool], from dayStart: Int64, _ body: (Int, Bool) -> Void) {
            for (i, bit) in bits.enumerated() {
                let at = dayStart + Int64(i) * minuteMicros
                if at >= startMicros, at < endMicros { body(Int((at - startMicros) / minuteMicros), bit) }
            }
        }
        for day in try recorderDays(server: server, channel: channel) {
            project(day.recorded, from: day.startMicros) { facts.recorded[$0] = $1 }
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
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT start_us, bitmap FROM lost_minutes
                    WHERE server = ? AND channel = ? AND bitmap IS NOT NULL AND start_us < ? ORDER BY id
                    """, arguments: [server, channel, endMicros])
            {
                // Lost where the recorder had footage (archived minutes win in MinuteMap); where
                // it had none, that bitmap is still the last word on the day.
                project((row["bitmap"] as String).map { $0 == "1" }, from: row["start_us"]) { minute, recorded in
                    if recorded {
                        facts.lost.append(minute..<minute + 1)
                    } else if facts.recorded[minute] == nil {
                        facts.recorded[minute] = false
                    }
                }
            }
        }
        for event in try custodyRanges(server: server, channel: channel, startMicros: startMicros, endMicros: endMicros) {
            let minutes = offsets(event.startMicros, event.endMicros)
            switch event.action {
            case "retention-delete": facts.deleted.append((minutes, event.detail))
            default: facts.extracted.append((minutes, event.detail))
            }
        }
        return facts
    }
}

/// A retention deletion or an evidence extraction over a channel's range, from the custody log.
struct CustodyRange {
    var action: String
    var startMicros: Int64
    var endMicros: Int64
    /// The retention rule (`maxAge`, `quota`), or the case id of an extraction.
    var detail: String
}

extension Archive {
    /// The custody log's retention deletions and extractions over [start, end) of a channel.
    /// The log is the record of both (its details name server, channel(s) and the range as
    /// ISO 8601 instants), so archives from before the picture existed show them too.
    func custodyRanges(server: String, channel: Int, startMicros: Int64, endMicros: Int64) throws -> [CustodyRange] {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        func micros(_ text: String?) -> Int64? {
            guard let text, let date = fractional.date(from: text) ?? whole.date(from: text) else { return nil }
            return date.unixMicros
        }
        return try custodyEntries().compactMap { entry -> CustodyRange? in
            guard entry.action == "retention-delete" || entry.action == "extract",
                let details = try? JSONSerialization.jsonObject(with: Data(entry.details.utf8)) as? [String: String],
                details["server"] == server,
                let start = micros(details["from"]), let end = micros(details["to"]), end > startMicros, start < endMicros
            else { return nil }
            let channels = (details["channel"] ?? details["channels"] ?? "").split(separator: ",").compactMap { Int($0) }
            guard channels.contains(channel) else { return nil }
            let detail = entry.action == "extract" ? entry.caseID ?? "" : "by \(details["reason"] ?? "retention")"
            return CustodyRange(action: entry.action, startMicros: start, endMicros: end, detail: detail)
        }
    }
}
