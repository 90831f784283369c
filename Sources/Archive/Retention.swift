import Foundation
import GRDB

/// What retention may delete: segments older than an age, and the oldest segments while the
/// archive is over a quota. Segments under an active legal hold are never deleted, a quota
/// never deletes segments ending after `protectAfter` (footage the recorder still holds and
/// the nightly run would only fetch again), and footage around recorder events (`events`) is
/// kept past the age and deleted by a quota only when nothing else is left to delete.
public struct RetentionPolicy: Sendable, Hashable {
    public var maxAgeDays: Int?
    public var quotaBytes: Int64?
    public var protectAfter: Date?
    public var events: EventRetention?

    public init(maxAgeDays: Int? = nil, quotaBytes: Int64? = nil, protectAfter: Date? = nil, events: EventRetention? = nil) {
        self.maxAgeDays = maxAgeDays
        self.quotaBytes = quotaBytes
        self.protectAfter = protectAfter
        self.events = events
    }
}

/// The segments a policy selects, grouped into contiguous ranges per channel, and what
/// deleting them frees.
public struct RetentionPlan: Sendable, Encodable, Hashable {
    public struct Range: Sendable, Encodable, Hashable {
        public var server: String
        public var channel: Int
        public var startMicros: Int64
        public var endMicros: Int64
        public var segments: Int
        public var bytes: Int64
        public var reason: RetentionReason

        private enum CodingKeys: String, CodingKey { case server, channel, start, end, segments, bytes, reason }

        /// The range as instants (`start`, `end`).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(server, forKey: .server)
            try c.encode(channel, forKey: .channel)
            try c.encode(Date(unixMicros: startMicros), forKey: .start)
            try c.encode(Date(unixMicros: endMicros), forKey: .end)
            try c.encode(segments, forKey: .segments)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(reason, forKey: .reason)
        }
    }

    public var storedBytesBefore: Int64
    public var ranges: [Range] = []
    public var segments: Int { ranges.reduce(0) { $0 + $1.segments } }
    public var bytesFreed: Int64 { ranges.reduce(0) { $0 + $1.bytes } }
    /// Segments the policy selected but a legal hold keeps.
    public var heldSegments = 0
    /// Segments the policy selected but recorder events keep (EventRetention).
    public var eventKeptSegments = 0
    /// Bytes still over the quota after the plan (protected or held footage); 0 when met.
    public var quotaShortfallBytes: Int64 = 0
    var segmentIDs: [Int64] = []

    enum CodingKeys: String, CodingKey { case storedBytesBefore, ranges, heldSegments, eventKeptSegments, quotaShortfallBytes }
}

/// Why retention deletes a range. The raw values are the stored and printed form.
public enum RetentionReason: String, Sendable, Codable, Hashable, CaseIterable {
    /// Older than `maxAgeDays` (or, for event footage, than its `keepDays`).
    case age
    /// The oldest footage while the archive stores more than `quotaGB`.
    case quota
}

/// What applying a plan did.
public struct RetentionResult: Sendable, Encodable, Hashable {
    public var plan: RetentionPlan
    public var deletedSegments: Int
    public var deletedBlobs: Int
    public var bytesFreed: Int64
}

extension Archive {
    /// Selects what `policy` deletes at `now`, oldest first. Reads only.
    public func retentionPlan(_ policy: RetentionPolicy, now: Date = Date()) throws -> RetentionPlan {
        let holds = try holds(includeReleased: false)
        return try index.read { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(stored_size), 0) FROM blobs") ?? 0
            let protected = try policy.events.map { try ProtectedIntervals.load(db, rule: $0, now: now.unixMicros) }
            return try RetentionPlanner.plan(
                policy: policy, now: now.unixMicros, storedBytes: stored, holds: holds,
                protected: protected
            ) { end, visit in
                // A cursor, not an array: the archive may hold millions of segments.
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT s.id, s.start_us, s.end_us, c.chid, v.name, COALESCE(b.stored_size, b.size) AS bytes
                        FROM segments s JOIN channels c ON c.id = s.channel_id JOIN servers v ON v.id = c.server_id
                        JOIN blobs b ON b.sha256 = s.blob_sha256
                        WHERE s.end_us <= ? ORDER BY s.start_us, s.id
                        """, arguments: [end])
                while let row = try rows.next() {
                    let candidate = RetentionCandidate(
                        segmentID: row["id"], server: row["name"], channel: row["chid"],
                        start: row["start_us"], end: row["end_us"], bytes: row["bytes"])
                    if visit(candidate) { return }
                }
            }
        }
    }

    /// Deletes the plan's segments and the blobs left without a reference, with one custody
    /// entry per range in the same transaction; then removes the blob files. A crash after
    /// the commit leaves blob files without rows, which `verify` reports and nothing reads.
    /// Holds the store lock exclusively, so no ingest reuses a blob file being removed.
    public func applyRetention(_ plan: RetentionPlan, actor: String, policyText: String) async throws -> RetentionResult {
        try await StoreLock.holding(root, .exclusive) { try await applyRetentionLocked(plan, actor: actor, policyText: policyText) }
    }

    private func applyRetentionLocked(_ plan: RetentionPlan, actor: String, policyText: String) async throws -> RetentionResult {
        let doomed: [String] = try index.write { db in
            var candidates = Set<String>()
            for batch in stride(from: 0, to: plan.segmentIDs.count, by: 500).map({
                Array(plan.segmentIDs[$0..<min($0 + 500, plan.segmentIDs.count)])
            }) {
                let list = batch.map(String.init).joined(separator: ",")
                candidates.formUnion(try String.fetchAll(db, sql: "SELECT blob_sha256 FROM segments WHERE id IN (\(list))"))
                try db.execute(sql: "DELETE FROM segments WHERE id IN (\(list))")
            }
            var unreferenced: [String] = []
            for sha in candidates {
                let used =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT EXISTS(SELECT 1 FROM segments WHERE blob_sha256 = ?) OR EXISTS(SELECT 1 FROM exports WHERE subtitle_sha256 = ?)
                            """, arguments: [sha, sha]) ?? true
                if !used { unreferenced.append(sha) }
            }
            for sha in unreferenced { try db.execute(sql: "DELETE FROM blobs WHERE sha256 = ?", arguments: [sha]) }
            for range in plan.ranges {
                _ = try Self.appendCustody(
                    db, action: "retention-delete", caseID: nil, actor: actor,
                    details: [
                        "server": range.server, "channel": String(range.channel), "from": Self.iso(range.startMicros),
                        "to": Self.iso(range.endMicros), "segments": String(range.segments), "bytes": String(range.bytes),
                        "reason": range.reason.rawValue, "policy": policyText
                    ])
            }
            return unreferenced
        }
        var freed: Int64 = 0
        for sha in doomed { freed += try await blobs.remove(sha) ?? 0 }
        return RetentionResult(plan: plan, deletedSegments: plan.segmentIDs.count, deletedBlobs: doomed.count, bytesFreed: freed)
    }

    static func iso(_ micros: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(unixMicros: micros))
    }
}

extension RetentionPlan {
    /// Extends the channel's last range when this segment continues it, else starts one (the
    /// quota's second pass adds older segments after newer ones).
    mutating func add(server: String, channel: Int, start: Int64, end: Int64, bytes: Int64, reason: RetentionReason) {
        if let i = ranges.lastIndex(where: { $0.server == server && $0.channel == channel }),
            ranges[i].reason == reason, ranges[i].startMicros <= start, ranges[i].endMicros >= start
        {
            ranges[i].endMicros = max(ranges[i].endMicros, end)
            ranges[i].segments += 1
            ranges[i].bytes += bytes
        } else {
            ranges.append(
                Range(server: server, channel: channel, startMicros: start, endMicros: end, segments: 1, bytes: bytes, reason: reason))
        }
    }
}
