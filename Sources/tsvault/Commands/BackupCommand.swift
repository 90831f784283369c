import Archive
import ArgumentParser
import Foundation
import Nightly

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Offsite backup rotation: push the archive to backup targets, check them, restore from them.",
        discussion: """
            A target is a directory (a removable disk, a mounted share) initialized once with \
            --label. Each push copies a consistent snapshot of the index and the blobs the target \
            lacks, checked against their SHA-256 names, keeps the newest --keep snapshots and \
            removes blobs no kept snapshot names. Rotate several targets (e.g. disks A and B on \
            alternate weeks); `backup status` shows how far behind each one is.
            """,
        subcommands: [BackupPushCommand.self, BackupStatusCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self])
}
