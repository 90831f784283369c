import Archive
import ArgumentParser
import Backup
import Foundation
import Logging
import Nightly

struct BackupPushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy a snapshot of the archive and the blobs the target lacks.",
        discussion: """
            With DIR, pushes there (archive from --archive). Without it, pushes to every \
            backup.targets directory of the configuration that is mounted, skipping the others \
            (the disks in the drawer), then to every backup.buckets bucket, encrypted with its key.
            Exit codes: 0 pushed, 1 pushed but some archive blobs are damaged (not copied; run tsvault verify) or no configured target is mounted, 64 not a backup target (or wrong label) or no backup.targets, 74 I/O error (target full or unplugged: the snapshot is not published, the next push resumes).
            """)

    @Argument(help: "The target directory; omit it to push to the configuration's mounted backup.targets.") var target: String?
    @Option(help: "Initialize the target with this label if it is new; otherwise it must match.") var label: String?
    @Option(
        help: "Snapshots to keep on the target (default 7, or backup.keepSnapshots); older ones and the blobs only they name are removed.")
    var keep: Int?
    @Option(help: "Who pushes, for the custody log.") var actor = ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
        guard let target else { return try await pushToConfiguredTargets() }
        let destination = try BackupTarget(root: target, initializeWithLabel: label)
        let report = try await archive.open().pushBackup(to: destination, keepSnapshots: keep ?? 7, actor: actor) { done, total in
            showProgress(destination.identity.label, done, total)
        }
        clearProgress()
        if json { try printJSON(BackupPushOutput(pushed: [report], skipped: [], failed: [])) } else { print(Self.render(report)) }
        if !report.ok { throw ExitStatus.failed }
    }

    private func pushToConfiguredTargets() async throws {
        guard label == nil else { throw ValidationError("--label initializes one target: give its directory") }
        let config = try configOptions.load()
        guard let backup = config.backup else {
            FileHandle.standardError.write(Data("tsvault backup push: no DIR and no backup.targets in \(configOptions.path)\n".utf8))
            throw ExitStatus.usage
        }
        let outcomes = await BackupRotation.pushMounted(
            try ArchiveStore.open(config, existing: true, logger: Logger(label: "tsvault")), backup, keepSnapshots: keep, actor: actor,
            progress: showProgress)
        clearProgress()
        var reports: [BackupPushReport] = []
        var skipped: [String] = []
        var failed: [String] = []
        for outcome in outcomes {
            switch outcome {
            case .pushed(_, let report): reports.append(report)
            case .skipped(let path): skipped.append(path)
            case .failed(let path, let error): failed.append("\(path): \(error)")
            }
        }
        if json {
            try printJSON(BackupPushOutput(pushed: reports, skipped: skipped, failed: failed))
        } else {
            for report in reports { print(Self.render(report)) }
            for path in skipped { print("skipped \(path): not mounted or not a backup target") }
            for failure in failed { print("FAILED \(failure)") }
        }
        if !failed.isEmpty { throw ExitStatus.ioError }
        if reports.isEmpty || reports.contains(where: { !$0.ok }) { throw ExitStatus.failed }
    }

    private func showProgress(_ label: String, _ done: Int, _ total: Int) {
        guard !json, isatty(STDERR_FILENO) == 1, done == total || done % 100 == 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[Kbackup \(label): \(done)/\(total) blobs".utf8))
    }

    private func clearProgress() {
        if !json, isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func render(_ r: BackupPushReport) -> String {
        var lines = [
            "backup \(r.label): snapshot \(r.snapshot), \(r.blobs) blobs, copied \(r.copiedBlobs) (\(r.copiedBytes) bytes) in "
                + String(format: "%.1f s", r.seconds)
        ]
        if !r.removedSnapshots.isEmpty || r.prunedBlobs > 0 {
            lines.append(
                "rotation: removed \(r.removedSnapshots.count) snapshots, \(r.prunedBlobs) blobs (\(r.prunedBytes) bytes) no kept snapshot names"
            )
        }
        for d in r.damaged { lines.append("DAMAGED in the archive, not copied: \(d.sha256): \(d.problem)") }
        return lines.joined(separator: "\n")
    }
}

/// One shape for a push to one directory and to the configured targets.
struct BackupPushOutput: Encodable {
    var pushed: [BackupPushReport]
    var skipped: [String]
    var failed: [String]
}
