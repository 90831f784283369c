import Foundation
import GRDB

/// What retention may delete: segments older than an age, and the oldest segments while the
/// archive is over a quota. Segments under an active legal hold are never deleted, and a
/// quota never deletes segments ending after `protectAfter` (footage the recorder still holds
/// and the nightly run would only fetch again).
public struct RetentionPolicy: Sendable, Hashable {
    public var maxAgeDays: Int?
    public var quotaBytes: Int64?
    public var protectAfter: Date?

    public init(maxAgeDays: Int? = nil, quotaBytes: Int64? = nil, protectAfter: Date? = nil) {
        self.maxAgeDays = maxAgeDays
        self.quotaBytes = quotaBytes
        self.protectAfter = protectAfter
    }
}

/// The segments a policy selects, grouped into contiguous ranges per channel, and what
/// deleting them frees.
public struct RetentionPlan: Sendable, Codable, Hashable {
    public struct Range: Sendable, Codable, Hashable {
        public var server: String
        public var channel: Int
        public var startMicros: Int64
        public var endMicros: Int64
        public var segments: Int
        public var bytes: Int64
        /// `age` or `quota`.
        public var reason: String
    }

    public var storedBytesBefore: Int64
    public var ranges: [Range] = []
    public var segments: Int { ranges.reduce(0) { $0 + $1.segments } }
    public var bytesFreed: Int64 { ranges.reduce(0) { $0 + $1.bytes } }
    /// Segments the policy selected but a legal hold keeps.
    public var heldSegments = 0
    /// Bytes still over the quota after the plan (protected or held footage); 0 when met.
    public var quotaShortfallBytes: Int64 = 0
    var segmentIDs: [Int64] = []

    enum CodingKeys: String, CodingKey { case storedBytesBefore, ranges, heldSegments, quotaShortfallBytes }
}

/// What applying a plan did.
public struct RetentionResult: Sendable, Codable, Hashable {
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
            var plan = RetentionPlan(storedBytesBefore: stored)
            let ageCutoff = policy.maxAgeDays.map { Self.micros(now) - Int64($0) * 86_400_000_000 }
            var needed = policy.quotaBytes.map { max(0, stored - $0) } ?? 0
            let quotaLimit = policy.protectAfter.map(Self.micros) ?? Self.micros(now)
            let scanUntil = max(ageCutoff ?? Int64.min, needed > 0 ? quotaLimit : Int64.min)
            guard scanUntil > Int64.min else { return plan }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.id, s.start_us, s.end_us, c.chid, v.name, COALESCE(b.stored_size, b.size) AS bytes
                FROM segments s JOIN channels c ON c.id = s.channel_id JOIN servers v ON v.id = c.server_id
                JOIN blobs b ON b.sha256 = s.blob_sha256
                WHERE s.end_us <= ? ORDER BY s.start_us, s.id
                """, arguments: [scanUntil])
            while let row = try rows.next() {
                let (start, end): (Int64, Int64) = (row["start_us"], row["end_us"])
                let reason: String
                if let ageCutoff, end <= ageCutoff {
                    reason = "age"
                } else if needed > 0, end <= quotaLimit {
                    reason = "quota"
                } else {
                    continue
                }
                let server: String = row["name"], channel: Int = row["chid"], bytes: Int64 = row["bytes"]
                if holds.contains(where: { $0.server == server && $0.channel == channel && $0.startMicros < end && $0.endMicros > start }) {
                    plan.heldSegments += 1
                    continue
                }
                plan.segmentIDs.append(row["id"])
                needed = max(0, needed - bytes)
                plan.add(server: server, channel: channel, start: start, end: end, bytes: bytes, reason: reason)
                if ageCutoff.map({ start > $0 }) ?? true, needed == 0 { break }
            }
            plan.quotaShortfallBytes = needed
            return plan
        }
    }

    /// Deletes the plan's segments and the blobs left without a reference, with one custody
    /// entry per range in the same transaction; then removes the blob files. A crash after
    /// the commit leaves blob files without rows, which `verify` reports and nothing reads.
    /// Holds the store lock exclusively, so no ingest reuses a blob file being removed.
    public func applyRetention(_ plan: RetentionPlan, actor: String, policyText: String) throws -> RetentionResult {
        try StoreLock.holding(root, .exclusive) { try applyRetentionLocked(plan, actor: actor, policyText: policyText) }
    }

    private func applyRetentionLocked(_ plan: RetentionPlan, actor: String, policyText: String) throws -> RetentionResult {
        let doomed: [String] = try index.write { db in
            var candidates = Set<String>()
            for batch in stride(from: 0, to: plan.segmentIDs.count, by: 500).map({ Array(plan.segmentIDs[$0..<min($0 + 500, plan.segmentIDs.count)]) }) {
                let list = batch.map(String.init).joined(separator: ",")
                candidates.formUnion(try String.fetchAll(db, sql: "SELECT blob_sha256 FROM segments WHERE id IN (\(list))"))
                try db.execute(sql: "DELETE FROM segments WHERE id IN (\(list))")
            }
            var unreferenced: [String] = []
            for sha in candidates {
                let used = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS(SELECT 1 FROM segments WHERE blob_sha256 = ?) OR EXISTS(SELECT 1 FROM exports WHERE subtitle_sha256 = ?)
                    """, arguments: [sha, sha]) ?? true
                if !used { unreferenced.append(sha) }
            }
            for sha in unreferenced { try db.execute(sql: "DELETE FROM blobs WHERE sha256 = ?", arguments: [sha]) }
            for range in plan.ranges {
                _ = try Self.appendCustody(db, action: "retention-delete", caseID: nil, actor: actor, details: [
                    "server": range.server, "channel": String(range.channel), "from": Self.iso(range.startMicros),
                    "to": Self.iso(range.endMicros), "segments": String(range.segments), "bytes": String(range.bytes),
                    "reason": range.reason, "policy": policyText])
            }
            return unreferenced
        }
        var freed: Int64 = 0
        for sha in doomed {
            for path in [blobs.path(of: sha), blobs.path(of: sha) + ".zst"] {
                guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value else { continue }
                if unlink(path) == 0 { freed += size }
            }
        }
        return RetentionResult(plan: plan, deletedSegments: plan.segmentIDs.count, deletedBlobs: doomed.count, bytesFreed: freed)
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    static func iso(_ micros: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
    }
}

extension RetentionPlan {
    /// Extends the channel's last range when this segment follows it, else starts one.
    mutating func add(server: String, channel: Int, start: Int64, end: Int64, bytes: Int64, reason: String) {
        if let i = ranges.lastIndex(where: { $0.server == server && $0.channel == channel }),
           ranges[i].reason == reason, ranges[i].endMicros >= start {
            ranges[i].endMicros = max(ranges[i].endMicros, end)
            ranges[i].segments += 1
            ranges[i].bytes += bytes
        } else {
            ranges.append(Range(server: server, channel: channel, startMicros: start, endMicros: end, segments: 1, bytes: bytes, reason: reason))
        }
    }
}
