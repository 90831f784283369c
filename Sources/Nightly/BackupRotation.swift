import Archive
import Backup
import Foundation
import Logging

/// Pushes to the configured backup targets that are mounted now; the daemon after each run,
/// and `tsvault backup push` without a directory.
public enum BackupRotation {
    public enum Outcome: Sendable {
        case pushed(path: String, report: BackupPushReport)
        /// Not mounted or not initialized: with rotation, the disk is in the drawer.
        case skipped(path: String)
        case failed(path: String, error: String)
    }

    /// One push after another, in the order configured (disks, then buckets). A failing target
    /// does not stop the others.
    public static func pushMounted(
        _ archive: Archive, _ backup: TSVaultConfiguration.Backup, keepSnapshots: Int? = nil,
        actor: String, logger: Logger = Logger(label: "tsvault"),
        progress: (_ label: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for path in backup.targets {
            guard BackupTarget.isTarget(path) else {
                outcomes.append(.skipped(path: path))
                continue
            }
            do {
                let target = try BackupTarget(root: path)
                let report = try await archive.pushBackup(
                    to: target, keepSnapshots: keepSnapshots ?? backup.keepSnapshots, actor: actor
                ) { done, total in progress(target.identity.label, done, total) }
                outcomes.append(.pushed(path: path, report: report))
            } catch {
                outcomes.append(.failed(path: path, error: "\(error)"))
            }
        }
        for bucket in backup.buckets {
            let location = bucket.bucket.url
            do {
                let target = try await ArchiveStore.bucketTarget(bucket, archiveRoot: archive.root, logger: logger)
                let report = try await archive.pushBackup(
                    to: target, keepSnapshots: keepSnapshots ?? backup.keepSnapshots, actor: actor
                ) { done, total in progress(target.identity.label, done, total) }
                outcomes.append(.pushed(path: target.location, report: report))
            } catch {
                outcomes.append(.failed(path: location, error: "\(error)"))
            }
        }
        return outcomes
    }
}
