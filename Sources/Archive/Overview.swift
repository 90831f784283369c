import Foundation
import GRDB

/// The archive at a glance: size, span, integrity, holds, the last run and its lost footage,
/// and the backup targets. Cheap aggregate queries only, so `tsvault status` stays instant.
public struct ArchiveOverview: Sendable, Encodable, Hashable {
    public var segments = 0
    public var blobs = 0
    public var storedBytes: Int64 = 0
    public var firstMicros: Int64?
    public var lastMicros: Int64?
    /// Blobs whose last check failed, never checked, and when the last check ran.
    public var failedBlobs = 0
    public var unverifiedBlobs = 0
    public var lastVerifiedAt: Date?
    public var activeHolds: [String] = []
    public var lastRun: RunSummary?
    /// The newest run that finished (the last one may still be running, or was killed).
    public var lastFinishedRun: RunSummary?
    /// Footage the last finished run found lost (the recorder overwrote it first).
    public var lostInLastRun: [LostDay] = []
    public var backups: [BackupStatus] = []
}

extension Archive {
    public func overview() throws -> ArchiveOverview {
        var o = try index.read { db -> ArchiveOverview in
            var o = ArchiveOverview()
            o.segments = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM segments") ?? 0
            if let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(stored_size), 0) AS bytes, MAX(verified_at) AS last FROM blobs")
            {
                (o.blobs, o.storedBytes) = (row["n"], row["bytes"])
                o.lastVerifiedAt = (row["last"] as Double?).map { Date(timeIntervalSince1970: $0) }
            }
            if let span = try Row.fetchOne(db, sql: "SELECT MIN(start_us) AS a, MAX(end_us) AS b FROM segments") {
                (o.firstMicros, o.lastMicros) = (span["a"], span["b"])
            }
            o.failedBlobs =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs WHERE verify_result IS NOT NULL AND verify_result NOT LIKE '%: ok'")
                ?? 0
            o.unverifiedBlobs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs WHERE verified_at IS NULL") ?? 0
            o.activeHolds = try String.fetchAll(db, sql: "SELECT DISTINCT case_id FROM holds WHERE released_at IS NULL ORDER BY case_id")
            return o
        }
        let runs = try runs(limit: 50)
        o.lastRun = runs.first
        o.lastFinishedRun = runs.first { $0.finishedAt != nil }
        if let finished = o.lastFinishedRun { o.lostInLastRun = try lostDays(run: finished.id) }
        o.backups = try backupStatus()
        return o
    }

    func lostDays(run: Int64) throws -> [LostDay] {
        try index.read { db in
            try Row.fetchAll(
                db, sql: "SELECT server, channel, day, minutes FROM lost_minutes WHERE run_id = ? ORDER BY server, channel, day",
                arguments: [run]
            ).map { LostDay(server: $0["server"], channel: $0["channel"], day: $0["day"], minutes: $0["minutes"]) }
        }
    }
}

extension ArchiveOverview {
    private enum CodingKeys: String, CodingKey {
        case segments, blobs, storedBytes, first, last, failedBlobs, unverifiedBlobs, lastVerifiedAt, activeHolds, lastRun
        case lastFinishedRun, lostInLastRun, backups
    }

    /// The archived span as instants (`first`, `last`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(segments, forKey: .segments)
        try c.encode(blobs, forKey: .blobs)
        try c.encode(storedBytes, forKey: .storedBytes)
        try c.encodeIfPresent(firstMicros.map(Date.init(unixMicros:)), forKey: .first)
        try c.encodeIfPresent(lastMicros.map(Date.init(unixMicros:)), forKey: .last)
        try c.encode(failedBlobs, forKey: .failedBlobs)
        try c.encode(unverifiedBlobs, forKey: .unverifiedBlobs)
        try c.encodeIfPresent(lastVerifiedAt, forKey: .lastVerifiedAt)
        try c.encode(activeHolds, forKey: .activeHolds)
        try c.encodeIfPresent(lastRun, forKey: .lastRun)
        try c.encodeIfPresent(lastFinishedRun, forKey: .lastFinishedRun)
        try c.encode(lostInLastRun, forKey: .lostInLastRun)
        try c.encode(backups, forKey: .backups)
    }
}
