import Archive
import ArgumentParser
import Foundation
import Nightly

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The archive at a glance: last run, lost footage, integrity, holds, backups; what needs attention.",
        discussion: """
            Reads the archive only (no recorder is contacted). Attention is needed when the last \
            run is incomplete or too old, footage was lost, a blob failed its last check, or a \
            backup target has not been pushed for too long.
            Exit codes: 0 nothing needs attention, 1 something does (listed), 74 the archive cannot be read.
            """)

    @OptionGroup var archive: ArchiveOptions
    @Option(help: "Hours after which the last finished run counts as too old.") var maxRunAgeHours = 26.0
    @Option(help: "Days after which a backup target's last push counts as too old.") var maxBackupAgeDays = 8.0
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let status = try OperatorStatus.assess(archive.open(), maxRunAge: maxRunAgeHours * 3600, maxBackupAge: maxBackupAgeDays * 86_400)
        if json { try printJSON(status) } else { print(Self.render(status)) }
        if !status.ok { throw ExitStatus.failed }
    }

    static func render(_ s: OperatorStatus) -> String {
        let o = s.overview
        let iso = ISO8601DateFormatter()
        var lines: [String] = []
        let span = o.firstMicros.flatMap { a in o.lastMicros.map { "\(formatUTC(a)) … \(formatUTC($0))" } } ?? "empty"
        lines.append("archive: \(o.segments) segments, \(o.blobs) blobs, \(o.storedBytes) bytes; \(span)")
        if let run = o.lastRun {
            let finished = run.finishedAt.map { iso.string(from: $0) } ?? "not finished (running, or killed: the next run resumes)"
            lines.append("last run: #\(run.id) \(run.status.rawValue), started \(iso.string(from: run.startedAt)), finished \(finished)")
        }
        if let missing = s.missingMinutesInLastRun { lines.append("missing after the last finished run: \(missing) minutes") }
        let verified = o.lastVerifiedAt.map { "last check \(iso.string(from: $0))" } ?? "never checked"
        lines.append("integrity: \(o.failedBlobs) failed, \(o.unverifiedBlobs) not yet checked, \(verified)")
        lines.append("legal holds: \(o.activeHolds.isEmpty ? "none" : o.activeHolds.joined(separator: ", "))")
        for b in o.backups {
            lines.append("backup \(b.label): last push \(iso.string(from: b.lastPush)), \(b.newerBlobs) blobs since")
        }
        if o.backups.isEmpty { lines.append("backup: none pushed yet (tsvault backup push)") }
        lines.append(s.ok ? "STATUS: OK" : "STATUS: ATTENTION")
        lines += s.attention.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }
}
