import Archive
import Backup
import Foundation

/// Pushes to the configured backup targets that are mounted now; the daemon after each run,
/// and `tsvault backup push` without a directory.
public enum BackupRotation {
    public enum Outcome: Sendable {
        case pushed(path: String, report: BackupPushReport)
        /// Not mounted or not initialized: with rotation, the disk is in the drawer.
        case skipped(path: String)
        case failed(path: String, error: String)
    }

    /// One push after another, in the order configured. A failing target does not stop the
    /// others.
    public static func pushMounted(
        _ archive: Archive, _ backup: TSVaultConfiguration.Backup, keepSnapshots: Int? = nil,
        actor: String, progress: (_ label: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) -> [Outcome] {
        backup.targets.map { path in
            guard BackupTarget.isTarget(path) else { return .skipped(path: path) }
            do {
                let target = try BackupTarget(root: path)
                return .pushed(
                    path: path,
                    report: try archive.pushBackup(to: target, keepSnapshots: keepSnapshots ?? backup.keepSnapshots, actor: actor) {
                        done, total in
                        progress(target.identity.label, done, total)
                    })
            } catch {
                return .failed(path: path, error: "\(error)")
            }
        }
    }
}
