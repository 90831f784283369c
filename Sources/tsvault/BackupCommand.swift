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

struct BackupPushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy a snapshot of the archive and the blobs the target lacks.",
        discussion: """
        With DIR, pushes there (archive from --archive). Without it, pushes to every \
        backup.targets directory of the configuration that is mounted, skipping the others \
        (the disks in the drawer).
        Exit codes: 0 pushed, 1 pushed but some archive blobs are damaged (not copied; run tsvault verify) or no configured target is mounted, 64 not a backup target (or wrong label) or no backup.targets, 74 I/O error (target full or unplugged: the snapshot is not published, the next push resumes).
        """)

    @Argument(help: "The target directory; omit it to push to the configuration's mounted backup.targets.") var target: String?
    @Option(help: "Initialize the target with this label if it is new; otherwise it must match.") var label: String?
    @Option(help: "Snapshots to keep on the target (default 7, or backup.keepSnapshots); older ones and the blobs only they name are removed.")
    var keep: Int?
    @Option(help: "Who pushes, for the custody log.") var actor = ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
        guard let target else { return try pushToConfiguredTargets() }
        let destination = try BackupTarget(root: target, initializeWithLabel: label)
        let report = try archive.open().pushBackup(to: destination, keepSnapshots: keep ?? 7, actor: actor) { done, total in
            showProgress(destination.identity.label, done, total)
        }
        clearProgress()
        if json { try printJSON(report) } else { print(Self.render(report)) }
        if !report.ok { throw ExitStatus.failed }
    }

    private func pushToConfiguredTargets() throws {
        guard label == nil else { throw ValidationError("--label initializes one target: give its directory") }
        let config = try configOptions.load()
        guard let backup = config.backup else {
            FileHandle.standardError.write(Data("tsvault backup push: no DIR and no backup.targets in \(configOptions.path)\n".utf8))
            throw ExitStatus.usage
        }
        let outcomes = BackupRotation.pushMounted(try Archive(root: config.archive), backup, keepSnapshots: keep, actor: actor,
                                                  progress: showProgress)
        clearProgress()
        var reports: [BackupPushReport] = [], skipped: [String] = [], failed: [String] = []
        for outcome in outcomes {
            switch outcome {
            case .pushed(_, let report): reports.append(report)
            case .skipped(let path): skipped.append(path)
            case .failed(let path, let error): failed.append("\(path): \(error)")
            }
        }
        if json {
            try printJSON(ConfiguredPushOutput(pushed: reports, skipped: skipped, failed: failed))
        } else {
            reports.forEach { print(Self.render($0)) }
            skipped.forEach { print("skipped \($0): not mounted or not a backup target") }
            failed.forEach { print("FAILED \($0)") }
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
        var lines = ["backup \(r.label): snapshot \(r.snapshot), \(r.blobs) blobs, copied \(r.copiedBlobs) (\(r.copiedBytes) bytes) in "
                     + String(format: "%.1f s", r.seconds)]
        if !r.removedSnapshots.isEmpty || r.prunedBlobs > 0 {
            lines.append("rotation: removed \(r.removedSnapshots.count) snapshots, \(r.prunedBlobs) blobs (\(r.prunedBytes) bytes) no kept snapshot names")
        }
        for d in r.damaged { lines.append("DAMAGED in the archive, not copied: \(d.sha256): \(d.problem)") }
        return lines.joined(separator: "\n")
    }
}

struct BackupStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each backup target's last push and what the archive gained since.")

    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let targets = try archive.open().backupStatus()
        if json { try printJSON(targets); return }
        if targets.isEmpty { print("no backup pushed yet (tsvault backup push DIR --label NAME)") }
        let formatter = ISO8601DateFormatter()
        for t in targets {
            let days = Date().timeIntervalSince(t.lastPush) / 86_400
            print("\(t.label)  last push \(formatter.string(from: t.lastPush)) (\(String(format: "%.1f", days)) days ago) to \(t.path); "
                  + "since then \(t.newerBlobs) blobs, \(t.newerBytes) bytes")
        }
    }
}

struct BackupVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a target: every kept snapshot against its .sha256, every blob present (--full: hashed).",
        discussion: "Exit codes: 0 sound, 1 problems found (listed), 64 not a backup target, 74 I/O error.")

    @Argument(help: "The target directory.") var target: String
    @Flag(help: "Hash every blob instead of checking presence and size.") var full = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let report = try BackupTarget(root: target).verify(full: full)
        if json {
            try printJSON(report)
        } else {
            print("backup \(report.label): \(report.snapshots.count) snapshots, \(report.blobs) blobs, \(report.bytes) bytes, \(report.problems.count) problems")
            for p in report.problems { print("PROBLEM \(p.item): \(p.problem)") }
        }
        if !report.ok { throw ExitStatus.failed }
    }
}

struct BackupRestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Build a new archive from a target's snapshot (the newest by default).",
        discussion: "Exit codes: 0 restored completely, 1 restored but blobs were missing or damaged on the target (listed), 64 bad target, snapshot or non-empty destination, 74 I/O error.")

    @Argument(help: "The target directory.") var target: String
    @Option(help: "The new archive directory (absent or empty).") var to: String
    @Option(help: "Snapshot name (see the target's snapshots/).") var snapshot: String?
    @Option(help: "Who restores, for the restored archive's custody log.") var actor = ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let report = try BackupTarget(root: target).restore(snapshot: snapshot, to: to, actor: actor)
        if json {
            try printJSON(report)
        } else {
            print("restored \(report.snapshot) from \(report.label) into \(report.archive): \(report.blobs) blobs, \(report.bytes) bytes")
            for m in report.missing { print("MISSING \(m.item): \(m.problem)") }
        }
        if !report.missing.isEmpty { throw ExitStatus.failed }
    }
}

struct ConfiguredPushOutput: Encodable {
    var pushed: [BackupPushReport]
    var skipped: [String]
    var failed: [String]
}
