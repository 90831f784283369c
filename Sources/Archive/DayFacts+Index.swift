import Foundation
import GRDB

extension Archive {
    /// What the index knows of a channel over [start, end) (a day in some zone), as the minute
    /// offsets `MinuteMap` reads. See `channelFacts`.
    public func dayFacts(server: String, channel: Int, startMicros: Int64, endMicros: Int64) throws -> DayFacts {
        try channelFacts(server: server, channel: channel, days: [startMicros..<endMicros])[0]
    }

    /// What the index knows of a channel over each of `days` (consecutive days in some zone,
    /// in order), each as the minute offsets `MinuteMap` reads: archived segments with their
    /// blob's last check, the recorder's bitmaps projected minute by minute through their
    /// instants (so a recorder in another zone, or a 23- or 25-hour day, lines up), failed
    /// export windows with their error, active holds, lost minutes (the recorder's bitmap of
    /// the day when it was forgotten; rows from before index v9 are counts only and are not
    /// placed), the retention deletions and evidence extractions the custody log records, and
    /// the spans the recorder said the camera was disconnected or not recording. Each table is
    /// read once for all the days.
    public func channelFacts(server: String, channel: Int, days: [Range<Int64>]) throws -> [DayFacts] {
        guard let spanStart = days.first?.lowerBound, let spanEnd = days.last?.upperBound else { return [] }
        var placer = DayPlacer(days: days)
        for day in try recorderDays(server: server, channel: channel) {
            placer.project(day.recorded, from: day.startMicros) { facts, minute, bit in facts.recorded[minute] = bit }
        }
        try index.read { db in
            let arguments: StatementArguments = [server, channel, spanStart, spanEnd]
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
                placer.place(row["s"], row["e"]) { $0.archived.append(($1, check)) }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT start_us, end_us, error FROM run_windows
                    WHERE server = ? AND channel = ? AND end_us > ? AND start_us < ? AND status = ? ORDER BY id
                    """, arguments: arguments + [WindowStatus.failed.rawValue])
            {
                let error: String = row["error"] ?? "export failed"
                placer.place(row["start_us"], row["end_us"]) { $0.failed.append(($1, error)) }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT case_id, start_us, end_us FROM holds
                    WHERE server = ? AND channel = ? AND end_us > ? AND start_us < ? AND released_at IS NULL ORDER BY id
                    """, arguments: arguments)
            {
                let caseID: String = row["case_id"]
                placer.place(row["start_us"], row["end_us"]) { $0.held.append(($1, caseID)) }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT start_us, bitmap FROM lost_minutes
                    WHERE server = ? AND channel = ? AND bitmap IS NOT NULL AND start_us < ? ORDER BY id
                    """, arguments: [server, channel, spanEnd])
            {
                // Lost where the recorder had footage (archived minutes win in MinuteMap); where
                // it had none, that bitmap is still the last word on the day.
                placer.project((row["bitmap"] as String).map { $0 == "1" }, from: row["start_us"]) { facts, minute, recorded in
                    if recorded {
                        facts.lost.append(minute..<minute + 1)
                    } else if facts.recorded[minute] == nil {
                        facts.recorded[minute] = false
                    }
                }
            }
        }
        for gap in try statusGaps(server: server, channel: channel, fromMicros: spanStart, toMicros: spanEnd) {
            placer.place(gap.startMicros, gap.endMicros ?? spanEnd) { $0.statusGaps.append(($1, gap.reason)) }
        }
        for event in try custodyRanges(server: server, channel: channel, startMicros: spanStart, endMicros: spanEnd) {
            placer.place(event.startMicros, event.endMicros) { facts, minutes in
                switch event.action {
                case "retention-delete": facts.deleted.append((minutes, event.detail))
                default: facts.extracted.append((minutes, event.detail))
                }
            }
        }
        return placer.facts
    }
}

/// Puts instants and ranges of instants onto the minute offsets of consecutive days.
private struct DayPlacer {
    static let minuteMicros: Int64 = 60_000_000
    let days: [Range<Int64>]
    var facts: [DayFacts]

    init(days: [Range<Int64>]) {
        self.days = days
        facts = days.map {
            let count = Int(($0.upperBound - $0.lowerBound) / Self.minuteMicros)
            return DayFacts(minutes: count, recorded: [Bool?](repeating: nil, count: count))
        }
    }

    /// The first day ending after `instant`.
    private func firstDay(endingAfter instant: Int64) -> Int {
        var (low, high) = (0, days.count)
        while low < high {
            let mid = (low + high) / 2
            if days[mid].upperBound <= instant { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Calls `body` for each day [from, to) overlaps, with the minute offsets it covers there.
    mutating func place(_ from: Int64, _ to: Int64, _ body: (inout DayFacts, Range<Int>) -> Void) {
        var i = firstDay(endingAfter: from)
        while i < days.count, days[i].lowerBound < to {
            let day = days[i]
            let first = Int((max(from, day.lowerBound) - day.lowerBound) / Self.minuteMicros)
            let last = Int((min(to, day.upperBound) - 1 - day.lowerBound) / Self.minuteMicros)
            body(&facts[i], first..<max(first, last + 1))
            i += 1
        }
    }

    /// Calls `body` with the day and minute offset of each minute of a bitmap starting at `start`.
    mutating func project(_ bits: [Bool], from start: Int64, _ body: (inout DayFacts, Int, Bool) -> Void) {
        var i = firstDay(endingAfter: start)
        for (minute, bit) in bits.enumerated() {
            let at = start + Int64(minute) * Self.minuteMicros
            while i < days.count, days[i].upperBound <= at { i += 1 }
            guard i < days.count else { return }
            guard days[i].lowerBound <= at else { continue }
            body(&facts[i], Int((at - days[i].lowerBound) / Self.minuteMicros), bit)
        }
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
