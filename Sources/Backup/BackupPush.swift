@_spi(Backup) import Archive
import Foundation
import GRDB
import ObjectStore

/// What one push to a backup target did.
public struct BackupPushReport: Sendable, Codable, Hashable {
    public struct DamagedBlob: Sendable, Codable, Hashable {
        public var sha256: String
        public var problem: String
    }

    public var label: String
    public var targetID: String
    public var snapshot: String
    public var snapshotSHA256: String
    /// Blobs the snapshot names.
    public var blobs = 0
    public var copiedBlobs = 0
    public var copiedBytes: Int64 = 0
    /// Blobs damaged or missing in the archive: not copied (`tsvault verify` names their minutes).
    public var damaged: [DamagedBlob] = []
    /// Older snapshots removed by rotation, and the blobs no kept snapshot names any more.
    public var removedSnapshots: [String] = []
    public var prunedBlobs = 0
    public var prunedBytes: Int64 = 0
    public var seconds = 0.0
    public var ok: Bool { damaged.isEmpty }
}

extension Archive {
    /// Copies to `target` a consistent snapshot of the index and every blob it names that the
    /// target lacks (checked against its name on the way), publishes the snapshot only once
    /// all of them are durable, keeps the newest `keepSnapshots`, and removes the blobs no kept
    /// snapshot names. Holds the store lock shared: retention cannot remove a blob mid-copy.
    public func pushBackup(
        to target: BackupTarget, keepSnapshots: Int = 7, actor: String,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> BackupPushReport {
        guard keepSnapshots >= 1 else { throw ArchiveError.invalidInput("keep at least one snapshot") }
        // One push per target at a time: a second one would remove the first one's work files.
        return try await StoreLock.holding(target.lockDirectory, .exclusive) {
            try await pushLocked(to: target, keepSnapshots: keepSnapshots, actor: actor, progress: progress)
        }
    }

    private func pushLocked(
        to target: BackupTarget, keepSnapshots: Int, actor: String,
        progress: (_ done: Int, _ total: Int) -> Void
    ) async throws -> BackupPushReport {
        let started = Date()
        target.removeAbandonedWork()
        var report = try await StoreLock.holding(root, .shared) { () async throws -> BackupPushReport in
            let name = Self.snapshotName(started, existing: Set(try await target.snapshots()))
            // Hidden on a disk (its next push removes it); named after the process in the archive's tmp/.
            let temporary = target.scratch + (target.root == nil ? "/index-\(getpid())-" : "/.tmp-") + name
            defer { unlink(temporary) }
            try snapshotIndex(to: temporary)
            var report = BackupPushReport(label: target.identity.label, targetID: target.identity.id, snapshot: name, snapshotSHA256: "")
            let blobs = try BackupTarget.blobs(inSnapshotFile: temporary)
            report.blobs = blobs.count
            try await BlobCopier.copyAll(blobs, from: self.blobs, to: target.blobs) { blob, outcome, done in
                switch outcome {
                case .present: break
                case .copied(let bytes):
                    report.copiedBlobs += 1
                    report.copiedBytes += bytes
                case .damaged(let problem): report.damaged.append(.init(sha256: blob.sha256, problem: problem))
                }
                progress(done, blobs.count)
            }
            report.damaged.sort { $0.sha256 < $1.sha256 }
            report.snapshotSHA256 = try await target.publishSnapshot(temporary: temporary, name: name)
            return report
        }
        try await target.rotate(keep: keepSnapshots, into: &report)
        report.seconds = Date().timeIntervalSince(started)
        try recordBackupPush(
            targetID: report.targetID, label: report.label, path: target.location, snapshotAt: started, snapshot: report.snapshot,
            snapshotSHA256: report.snapshotSHA256, blobs: report.blobs, copiedBlobs: report.copiedBlobs, copiedBytes: report.copiedBytes,
            damagedBlobs: report.damaged.count, prunedBlobs: report.prunedBlobs, actor: actor)
        return report
    }
}

extension BackupTarget {
    /// Publishes the snapshot once every blob it names is stored: the snapshot (its SHA-256
    /// checked on the way), then its `.sha256`, which makes it complete; returns its hash.
    func publishSnapshot(temporary: String, name: String) async throws -> String {
        let sha = try BlobStore.digest(of: temporary).sha256
        _ = try await BlobStore.archiveErrors { try await meta.adopt("snapshots/" + name, file: temporary, sha256: sha) }
        _ = try await BlobStore.archiveErrors {
            try await meta.put("snapshots/\(name).sha256", bytes: Array("\(sha)  \(name)\n".utf8), ifAbsent: false)
        }
        return sha
    }

    /// Keeps the newest `keep` snapshots and the blobs they name; removes the rest, and the
    /// temporary files a cut-off push left among the blobs.
    func rotate(keep: Int, into report: inout BackupPushReport) async throws {
        let all = try await snapshots()
        for name in all.dropLast(keep) {
            try await meta.delete(["snapshots/\(name).sha256", "snapshots/" + name])
            report.removedSnapshots.append(name)
        }
        var named = Set<String>()
        for name in all.suffix(keep) { named.formUnion(try await blobs(inSnapshot: name).map(\.sha256)) }
        for path in (blobs.backend as? LocalDirectoryBackend)?.abandonedWorkFiles() ?? [] { unlink(path) }
        for sha in try await blobs.storedNames() where !named.contains(sha) {
            guard let size = try await blobs.remove(sha) else { continue }
            report.prunedBlobs += 1
            report.prunedBytes += size
        }
    }
}
