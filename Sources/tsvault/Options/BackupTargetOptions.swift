import ArgumentParser
import Backup
import Foundation
import Logging
import Nightly

/// Which backup target: a directory, or a bucket of `backup.buckets` by its label.
struct BackupTargetOptions: ParsableArguments {
    @Argument(help: "The target directory (a disk); or give --bucket.") var target: String?
    @Option(help: "A bucket target of backup.buckets in the configuration, by its label.") var bucket: String?
    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard (target == nil) != (bucket == nil) else { throw ValidationError("give a target directory or --bucket LABEL, one of them") }
    }

    /// The target; a bucket's snapshots are read through a work directory of this machine.
    func open() async throws -> BackupTarget {
        if let target { return try BackupTarget(root: target) }
        let config = try configOptions.load()
        guard let entry = config.backup?.buckets.first(where: { $0.label == bucket }) else {
            throw ValidationError("no bucket labelled \(bucket ?? "") in backup.buckets of \(configOptions.path)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("tsvault-backup-\(getpid())").path
        return try await ArchiveStore.bucketTarget(entry, archiveRoot: work, logger: Logger(label: "tsvault"))
    }
}
