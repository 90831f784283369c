import Archive
import Foundation

/// What an operator needs at a glance: is the archive complete, sound, bounded and backed
/// up — and if not, what needs attention, each item saying what to do.
public struct OperatorStatus: Sendable, Encodable {
    public var overview: ArchiveOverview
    /// Minutes the last finished run left missing (from its report).
    public var missingMinutesInLastRun: Int?
    public var attention: [String] = []
    public var ok: Bool { attention.isEmpty }

    /// Thresholds: a nightly schedule should have finished a run within `maxRunAge`; every
    /// backup target should have had a push within `maxBackupAge`.
    public static func assess(
        _ archive: Archive, now: Date = Date(), maxRunAge: TimeInterval = 26 * 3600,
        maxBackupAge: TimeInterval = 8 * 86_400
    ) throws -> OperatorStatus {
        var status = OperatorStatus(overview: try archive.overview())
        let o = status.overview
        if let run = o.lastFinishedRun, let finished = run.finishedAt {
            status.missingMinutesInLastRun = try Self.missingMinutes(archive, run: run.id)
            if run.status != .complete {
                status.attention.append(
                    "last run #\(run.id) is \(run.status.rawValue): \(status.missingMinutesInLastRun ?? 0) recorded minutes not archived (tsvault report \(run.id))"
                )
            }
            if now.timeIntervalSince(finished) > maxRunAge {
                status.attention.append(
                    "last finished run #\(run.id) is \(Self.age(now.timeIntervalSince(finished))) old: is the schedule running?")
            }
        } else {
            status.attention.append("no nightly run has finished yet (tsvault run)")
        }
        for lost in o.lostInLastRun {
            status.attention.append(
                "LOST \(lost.server) CH\(lost.channel) \(lost.day): \(lost.minutes) minutes overwritten by the recorder before they were archived"
            )
        }
        for trouble in try archive.storageTrouble() {
            let at = ISO8601DateFormatter().string(from: Date(unixMicros: trouble.atMicros))
            status.attention.append(
                "recorder \(trouble.server) reported \"\(trouble.name)\" at \(at): its footage is at risk; check its disks "
                    + "(the daemon fetched what was missing at once; otherwise run tsvault run)")
        }
        if o.failedBlobs > 0 {
            status.attention.append(
                "\(o.failedBlobs) blobs failed their last check (tsvault verify names the minutes; restore them from a backup)")
        }
        for backup in o.backups where now.timeIntervalSince(backup.lastPush) > maxBackupAge {
            status.attention.append(
                "backup \(backup.label) last pushed \(Self.age(now.timeIntervalSince(backup.lastPush))) ago (\(backup.newerBlobs) blobs since): mount it and push"
            )
        }
        return status
    }

    static func missingMinutes(_ archive: Archive, run: Int64) throws -> Int? {
        guard let json = try archive.runReportJSON(run) else { return nil }
        guard let report = try? RunReport(storedJSON: json) else { return nil }
        return report.servers.flatMap(\.channels).reduce(0) { $0 + $1.missing }
    }

    static func age(_ seconds: TimeInterval) -> String {
        seconds >= 2 * 86_400 ? String(format: "%.1f days", seconds / 86_400) : String(format: "%.1f hours", seconds / 3600)
    }
}
