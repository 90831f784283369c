@_spi(Backup) import Archive
import Foundation
import GRDB

/// What checking a backup target found.
public struct BackupVerifyReport: Sendable, Codable, Hashable {
    public struct Problem: Sendable, Codable, Hashable {
        /// A blob's SHA-256, or a snapshot's name.
        public var item: String
        public var problem: String
    }

    public var label: String
    public var snapshots: [String] = []
    public var blobs = 0
    public var bytes: Int64 = 0
    public var problems: [Problem] = []
    public var ok: Bool { problems.isEmpty && !snapshots.isEmpty }
}

/// What a restore produced.
public struct BackupRestoreReport: Sendable, Codable, Hashable {
    public var label: String
    public var snapshot: String
    public var archive: String
    public var blobs = 0
    public var bytes: Int64 = 0
    /// Blobs the snapshot names that the target lacks or holds damaged: their minutes are
    /// missing from the restored archive (its `verify` names them).
    public var missing: [BackupVerifyReport.Problem] = []
}

extension BackupTarget {
    /// Every kept snapshot against its `.sha256`, and every blob they name: present with its
    /// size, or with `full` hashed against its name (decrypted first on an encrypted target).
    public func verify(full: Bool) async throws -> BackupVerifyReport {
        var report = BackupVerifyReport(label: identity.label, snapshots: try await snapshots())
        if report.snapshots.isEmpty { report.problems.append(.init(item: location, problem: "no snapshot: nothing was pushed yet")) }
        var named: [String: SnapshotBlob] = [:]
        for name in report.snapshots {
            if let problem = await snapshotProblem(name) {
                report.problems.append(.init(item: name, problem: problem))
                continue
            }
            for blob in try await blobs(inSnapshot: name) { named[blob.sha256] = blob }
        }
        for blob in named.values.sorted(by: { $0.sha256 < $1.sha256 }) {
            report.blobs += 1
            report.bytes += blob.size
            if let problem = await blobs.problem(sha: blob.sha256, size: blob.size, compressed: blob.compressed, hash: full) {
                report.problems.append(.init(item: blob.sha256, problem: problem))
            }
        }
        return report
    }

    func snapshotProblem(_ name: String) async -> String? {
        guard let line = try? await meta.get("snapshots/\(name).sha256"),
            let expected = String(decoding: line, as: UTF8.self).split(separator: " ").first
        else { return "no .sha256 beside it" }
        guard let actual = try? await withSnapshotFile(name, { try BlobStore.digest(of: $0).sha256 }) else { return "unreadable" }
        return actual == expected ? nil : "hashes to \(actual), its .sha256 says \(expected)"
    }

    /// Builds a new archive at `archiveRoot` (absent or empty) from a snapshot (the newest by
    /// default): the index copied, every blob copied into `<archiveRoot>/blobs` and checked
    /// against its name. The restored archive keeps its blobs locally, whatever store the
    /// original used.
    public func restore(snapshot: String? = nil, to archiveRoot: String, actor: String) async throws -> BackupRestoreReport {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: archiveRoot)) ?? []
        guard existing.isEmpty else { throw ArchiveError.invalidInput("\(archiveRoot) is not empty; restore into a new directory") }
        let all = try await snapshots()
        guard let name = snapshot ?? all.last else { throw ArchiveError.invalidInput("\(location) holds no snapshot") }
        guard all.contains(name) else { throw ArchiveError.invalidInput("\(location) has no snapshot \(name)") }
        if let problem = await snapshotProblem(name) {
            throw ArchiveError.invalidInput("snapshot \(name) \(problem); restore another with --snapshot")
        }
        try FileSystem.makeDirectory(archiveRoot)
        let index = archiveRoot + "/index.sqlite"
        try await withSnapshotFile(name) { path in
            do { try FileManager.default.copyItem(atPath: path, toPath: index) } catch {
                throw ArchiveError.ioFailed(path: index, detail: "\(error)")
            }
        }
        chmod(index, 0o644)
        try Self.forgetStore(index: index)
        let restoredBlobs = try BlobStore(root: archiveRoot + "/blobs")
        var report = BackupRestoreReport(label: identity.label, snapshot: name, archive: archiveRoot)
        try await BlobCopier.copyAll(try Self.blobs(inSnapshotFile: index), from: blobs, to: restoredBlobs) { blob, outcome, _ in
            switch outcome {
            case .present: break
            case .copied(let bytes):
                report.blobs += 1
                report.bytes += bytes
            case .damaged(let problem): report.missing.append(.init(item: blob.sha256, problem: problem))
            }
        }
        report.missing.sort { $0.item < $1.item }
        let archive = try Archive(root: archiveRoot)
        _ = try archive.appendCustody(
            action: "backup-restore", caseID: nil, actor: actor,
            details: [
                "target": identity.label, "targetID": identity.id, "snapshot": name, "blobs": String(report.blobs),
                "missing": String(report.missing.count)
            ])
        return report
    }

    /// A snapshot of an archive whose blobs were in a bucket names that bucket; the restored
    /// archive holds its blobs itself.
    static func forgetStore(index: String) throws {
        do {
            let queue = try DatabaseQueue(path: index)
            try queue.write { db in
                if try db.tableExists("blob_store") { try db.execute(sql: "DELETE FROM blob_store") }
            }
            try queue.close()
        } catch {
            throw ArchiveError.indexFailed("cannot open the restored index \(index): \(error)")
        }
    }
}
