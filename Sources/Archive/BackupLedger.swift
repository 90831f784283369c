import Foundation
import GRDB

/// The last push to each backup target the archive knows, and what it lacks since.
public struct BackupStatus: Sendable, Codable, Hashable {
    public var label: String
    public var targetID: String
    public var path: String
    public var lastPush: Date
    public var snapshot: String
    /// Blobs the archive gained after that push (what a restore from it would lack).
    public var newerBlobs: Int
    public var newerBytes: Int64
    /// Archive blobs that push left out because they were damaged.
    public var damagedBlobs: Int
}

/// The archive's record of backup pushes (`backup_pushes`, written with a custody entry in one
/// transaction). The pushes themselves are the Backup module's.
extension Archive {
    public func backupStatus() throws -> [BackupStatus] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.* FROM backup_pushes p
                    WHERE p.id = (SELECT MAX(id) FROM backup_pushes q WHERE q.target_id = p.target_id) ORDER BY p.label
                    """
            ).map { row in
                let at: Double = row["at"]
                let newer = try Row.fetchOne(
                    db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blobs WHERE created_at > ?",
                    arguments: [at])
                return BackupStatus(
                    label: row["label"], targetID: row["target_id"], path: row["path"],
                    lastPush: Date(timeIntervalSince1970: at), snapshot: row["snapshot"],
                    newerBlobs: newer?["n"] ?? 0, newerBytes: newer?["bytes"] ?? 0, damagedBlobs: row["damaged_blobs"])
            }
        }
    }

    /// One published push, and its custody entry. `snapshotAt` is when the snapshot was taken:
    /// what the archive gained after it is not in it.
    @_spi(Backup)
    public func recordBackupPush(
        targetID: String, label: String, path: String, snapshotAt: Date, snapshot: String, snapshotSHA256: String,
        blobs: Int, copiedBlobs: Int, copiedBytes: Int64, damagedBlobs: Int, prunedBlobs: Int, actor: String
    ) throws {
        try index.write { db in
            try db.execute(
                sql: """
                    INSERT INTO backup_pushes(target_id, label, path, at, snapshot, snapshot_sha256, blobs, copied_blobs, copied_bytes,
                                              damaged_blobs, pruned_blobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    targetID, label, path, snapshotAt.timeIntervalSince1970, snapshot, snapshotSHA256, blobs, copiedBlobs, copiedBytes,
                    damagedBlobs, prunedBlobs
                ])
            _ = try Self.appendCustody(
                db, action: "backup-push", caseID: nil, actor: actor,
                details: [
                    "target": label, "targetID": targetID, "snapshot": snapshot, "snapshotSHA256": snapshotSHA256,
                    "blobs": String(blobs), "copied": String(copiedBlobs), "damaged": String(damagedBlobs), "pruned": String(prunedBlobs)
                ])
        }
    }
}
