import Archive
import ArgumentParser
import Backup
import Foundation
import Nightly

struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a target: every kept snapshot against its .sha256, every blob present (--full: hashed).",
        discussion:
            "Exit codes: 0 sound, 1 problems found (listed), 8 the bucket cannot be read, 64 not a backup target or a wrong key, 74 I/O error."
    )

    @OptionGroup var target: BackupTargetOptions
    @Flag(help: "Hash every blob instead of checking presence and size.") var full = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report = try await target.open().verify(full: full)
        if json {
            try printJSON(report)
        } else {
            print(
                "backup \(report.label): \(report.snapshots.count) snapshots, \(report.blobs) blobs, \(report.bytes) bytes, \(report.problems.count) problems"
            )
            for p in report.problems { print("PROBLEM \(p.item): \(p.problem)") }
        }
        if !report.ok { throw ExitStatus.failed }
    }
}
