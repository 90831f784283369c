import Archive
import ArgumentParser
import Backup
import Foundation
import Nightly

struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Build a new archive from a target's snapshot (the newest by default).",
        discussion:
            "Exit codes: 0 restored completely, 1 restored but blobs were missing or damaged on the target (listed), 8 the bucket cannot be read, 64 bad target, key, snapshot or non-empty destination, 74 I/O error."
    )

    @OptionGroup var target: BackupTargetOptions
    @Option(help: "The new archive directory (absent or empty).") var to: String
    @Option(help: "Snapshot name (see the target's snapshots/).") var snapshot: String?
    @Option(help: "Who restores, for the restored archive's custody log.") var actor =
        ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report = try await target.open().restore(snapshot: snapshot, to: to, actor: actor)
        if json {
            try printJSON(report)
        } else {
            print("restored \(report.snapshot) from \(report.label) into \(report.archive): \(report.blobs) blobs, \(report.bytes) bytes")
            for m in report.missing { print("MISSING \(m.item): \(m.problem)") }
        }
        if !report.missing.isEmpty { throw ExitStatus.failed }
    }
}
