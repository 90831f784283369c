import Foundation
import GRDB

/// Walks the segments oldest first and selects what a retention policy deletes.
struct RetentionPlanner {
    let ageCutoff: Int64?
    let quotaLimit: Int64
    let holds: [Hold]
    let events: ProtectedIntervals?
    /// Bytes still to free for the quota.
    private(set) var needed: Int64
    private var plan: RetentionPlan

    init(_ db: Database, policy: RetentionPolicy, now: Int64, holds: [Hold]) throws {
        let stored = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(stored_size), 0) FROM blobs") ?? 0
        plan = RetentionPlan(storedBytesBefore: stored)
        ageCutoff = policy.maxAgeDays.map { now - Int64($0) * 86_400_000_000 }
        needed = policy.quotaBytes.map { max(0, stored - $0) } ?? 0
        quotaLimit = policy.protectAfter.map(\.unixMicros) ?? now
        self.holds = holds
        events = try policy.events.map { try ProtectedIntervals.load(db, rule: $0, now: now) }
    }

    /// The first pass selects by age and quota among footage no event protects (counting the
    /// event footage it keeps); the second, run only while still over the quota, deletes event
    /// footage oldest first. Held segments are never selected.
    mutating func scan(_ db: Database, eventFootage: Bool) throws {
        let scanUntil = eventFootage ? quotaLimit : max(ageCutoff ?? .min, needed > 0 ? quotaLimit : .min)
        guard scanUntil > .min else { return }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT s.id, s.start_us, s.end_us, s.channel_id, c.chid, v.name, COALESCE(b.stored_size, b.size) AS bytes
            FROM segments s JOIN channels c ON c.id = s.channel_id JOIN servers v ON v.id = c.server_id
            JOIN blobs b ON b.sha256 = s.blob_sha256
            WHERE s.end_us <= ? ORDER BY s.start_us, s.id
            """, arguments: [scanUntil])
        while let row = try rows.next() {
            let candidate = Candidate(row)
            if eventFootage ? consider(eventFootage: candidate) : consider(candidate) { break }
        }
        plan.quotaShortfallBytes = needed
    }

    func finish() -> RetentionPlan { plan }

    /// First pass; true when nothing later can be selected.
    private mutating func consider(_ c: Candidate) -> Bool {
        let reason: RetentionReason
        if let ageCutoff, c.end <= ageCutoff {
            reason = .age
        } else if needed > 0, c.end <= quotaLimit {
            reason = .quota
        } else {
            return false
        }
        if isHeld(c) {
            plan.heldSegments += 1
        } else if events?.covers(channelID: c.channelID, start: c.start, end: c.end) == true {
            plan.eventKeptSegments += 1
        } else {
            select(c, reason: reason)
        }
        return needed == 0 && (ageCutoff.map { c.start > $0 } ?? true)
    }

    /// Second pass: event footage the first pass kept, while the quota still needs bytes.
    private mutating func consider(eventFootage c: Candidate) -> Bool {
        guard !isHeld(c), events?.covers(channelID: c.channelID, start: c.start, end: c.end) == true else { return false }
        plan.eventKeptSegments -= 1
        select(c, reason: .quota)
        return needed == 0
    }

    private func isHeld(_ c: Candidate) -> Bool {
        holds.contains { $0.server == c.server && $0.channel == c.channel && $0.startMicros < c.end && $0.endMicros > c.start }
    }

    private mutating func select(_ c: Candidate, reason: RetentionReason) {
        plan.segmentIDs.append(c.id)
        needed = max(0, needed - c.bytes)
        plan.add(server: c.server, channel: c.channel, start: c.start, end: c.end, bytes: c.bytes, reason: reason)
    }

    struct Candidate {
        var id: Int64, start: Int64, end: Int64, channelID: Int64, channel: Int, server: String, bytes: Int64
        init(_ row: Row) {
            (id, start, end, channelID) = (row["id"], row["start_us"], row["end_us"], row["channel_id"])
            (channel, server, bytes) = (row["chid"], row["name"], row["bytes"])
        }
    }
}
