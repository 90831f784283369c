import Archive
import Foundation

/// What one nightly run did, per recorder and channel. Stored with the run (as JSON) and
/// printed by `tsvault run` and `tsvault report`.
public struct RunReport: Sendable, Codable {
    public struct Channel: Sendable, Codable {
        public var channel: Int
        /// Recorded minutes the recorder holds within the look-back (settled minutes only).
        public var recorderMinutes: Int
        public var archivedBefore: Int
        public var archivedAfter: Int
        public var missing: Int { recorderMinutes - archivedAfter }
        /// Why minutes are still missing (failed windows' errors, windows not started).
        public var missingReasons: [String] = []
        public var lostMinutes = 0
        public var windows = 0
        public var failedWindows = 0
        /// Windows that failed because the local archive did (disk full, I/O or index
        /// error); optional so reports stored before it existed still read.
        public var archiveFailedWindows: Int?
        public var retries = 0
        public var bytes: Int64 = 0
        /// Spans of the look-back in which the recorder says the channel did not record, with
        /// why (from its event socket and event log); optional so older reports still read.
        public var recorderGaps: [RecorderGap]?
    }

    /// A span without recording and its reason; `to` is absent while it was not over when
    /// the recorder last said.
    public struct RecorderGap: Sendable, Codable, Hashable {
        public var reason: GapReason
        public var from: Date
        public var to: Date?

        public init(_ gap: StatusGap) {
            reason = gap.reason
            from = Date(unixMicros: gap.startMicros)
            to = gap.endMicros.map { Date(unixMicros: $0) }
        }
    }

    public struct Server: Sendable, Codable {
        public var name: String
        /// A failure that stopped the whole recorder (unreachable, credentials, …).
        public var error: String?
        public var channels: [Channel] = []
        /// Events new to the archive this run, when retention by events is configured.
        public var newEvents: Int?
        /// Why the event log could not be stored. Not a failure of the run: the next run reads
        /// the whole look-back again.
        public var eventLogError: String?
        /// The recorder's time zone (an identifier or a fixed offset), for printing its times.
        public var timeZone: String?
    }

    public var runID: Int64
    public var startedAt: Date
    public var finishedAt: Date
    public var servers: [Server]
    public var lost: [LostDay] = []
    /// A shutdown (SIGTERM, SIGINT) asked the job to stop: no export started after it, the
    /// files in flight were archived, and the steps after the run were skipped. The fields
    /// below are optional so reports stored before the nightly job existed still read.
    public var cutShort: Bool?
    /// The steps after the run (NightlyJob); nil when not configured or skipped.
    public var retention: RetentionOutcome?
    public var scrub: ScrubOutcome?
    public var backups: [BackupOutcome]?
    /// The index pushed to the archive's bucket after the run (archives with `store:`).
    public var indexSnapshot: IndexSnapshotOutcome?
    /// Configured steps that did not run: left out by the caller, or after a shutdown.
    public var skippedSteps: [NightlyStep]?

    public var bytes: Int64 { servers.flatMap(\.channels).reduce(0) { $0 + $1.bytes } }
    public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }
    public var throughputMiBPerSecond: Double { durationSeconds > 0 ? Double(bytes) / 1_048_576 / durationSeconds : 0 }
    /// The local archive failed during the run (the run stopped starting exports then).
    public var archiveFailed: Bool { servers.contains { $0.channels.contains { ($0.archiveFailedWindows ?? 0) > 0 } } }
    /// Everything the recorders hold is archived, and every recorder was reached.
    public var complete: Bool { servers.allSatisfy { $0.error == nil && $0.channels.allSatisfy { $0.missing == 0 } } }
}

extension RunReport {
    /// The form stored with the run (`runs.report_json`, printed by `tsvault report --json`):
    /// ISO 8601 dates, sorted keys.
    public func storedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public init(storedJSON: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        self = try decoder.decode(RunReport.self, from: Data(storedJSON.utf8))
    }
}

/// The human form of a run report.
public enum RunReportText {
    public static func render(_ r: RunReport) -> String {
        var lines: [String] = []
        lines.append(
            "run \(r.runID): \(r.complete ? "COMPLETE" : "INCOMPLETE") — \(String(format: "%.1f", r.durationSeconds)) s, "
                + "\(r.bytes) bytes, \(String(format: "%.1f", r.throughputMiBPerSecond)) MiB/s")
        lines.append("server      ch  recorder  before   after  missing  lost  windows  retries  bytes")
        for server in r.servers {
            if let error = server.error {
                lines.append("\(server.name.padding(toLength: 10, withPad: " ", startingAt: 0))  FAILED: \(error)")
            }
            for c in server.channels {
                lines.append(
                    String(
                        format: "%@ %3d  %8d  %6d  %6d  %7d  %4d  %7d  %7d  %lld",
                        server.name.padding(toLength: 10, withPad: " ", startingAt: 0), c.channel, c.recorderMinutes,
                        c.archivedBefore, c.archivedAfter, c.missing, c.lostMinutes, c.windows, c.retries, c.bytes))
                for reason in c.missingReasons.prefix(3) { lines.append("              missing: \(reason)") }
                lines += gapLines(c.recorderGaps ?? [], zone: server.timeZone.flatMap(TimeZone.init(identifier:)))
            }
        }
        for server in r.servers {
            if let error = server.eventLogError {
                lines.append("EVENTS \(server.name): event log not stored (the next run retries): \(error)")
            }
        }
        for day in r.lost {
            lines.append(
                "LOST \(day.server) CH\(day.channel) \(day.day): \(day.minutes) minutes the recorder overwrote before they were archived")
        }
        if r.cutShort == true {
            lines.append(
                "CUT SHORT: tsvault was asked to stop; no export started after that, the files in flight were archived, "
                    + "and the next run resumes with what is missing")
        }
        lines += followUpLines(r)
        return lines.joined(separator: "\n")
    }

    /// The recorder's own gaps of a channel, the latest few: "camera disconnected
    /// 2026-12-01 13:36–13:37" in the recorder's time.
    static func gapLines(_ gaps: [RunReport.RecorderGap], zone: TimeZone?, limit: Int = 5) -> [String] {
        var lines = gaps.suffix(limit).map {
            "              no recording: \(GapText.describe($0.reason, from: $0.from, to: $0.to, zone: zone))"
        }
        if gaps.count > limit { lines.insert("              no recording: \(gaps.count - limit) earlier span(s), see --json", at: 0) }
        return lines
    }

    /// One line per step after the run: what retention, the scrub and each backup target did.
    static func followUpLines(_ r: RunReport) -> [String] {
        var lines: [String] = []
        if let retention = r.retention {
            if let error = retention.error {
                lines.append("retention: FAILED (nothing deleted): \(error)")
            } else {
                var line =
                    "retention: deleted \(retention.deletedSegments) segments (\(retention.bytesFreed) bytes), "
                    + "\(retention.heldSegments) kept by holds, \(retention.eventKeptSegments) kept for events, "
                    + "\(retention.storedBytes) bytes stored"
                if retention.overQuotaBytes > 0 { line += ", OVER QUOTA by \(retention.overQuotaBytes) bytes" }
                lines.append(line)
            }
        }
        if let scrub = r.scrub {
            if let error = scrub.error {
                lines.append("scrub: FAILED: \(error)")
            } else {
                let damaged =
                    scrub.damagedBlobs.isEmpty ? "none damaged" : "\(scrub.damagedBlobs.count) DAMAGED (tsvault verify names their minutes)"
                lines.append("scrub: re-checked \(scrub.checkedBlobs) blobs (\(scrub.bytes) bytes), \(damaged)")
            }
        }
        for backup in r.backups ?? [] {
            switch backup.status {
            case .pushed:
                let damaged = (backup.damagedBlobs ?? 0) > 0 ? ", \(backup.damagedBlobs ?? 0) DAMAGED blobs left out" : ""
                lines.append(
                    "backup \(backup.label ?? "?") (\(backup.target)): pushed snapshot \(backup.snapshot ?? "?"), "
                        + "\(backup.copiedBlobs ?? 0) blobs copied\(damaged)")
            case .skipped:
                lines.append("backup \(backup.target): skipped (not mounted or not a backup target)")
            case .failed:
                lines.append("backup \(backup.target): FAILED: \(backup.error ?? "unknown error")")
            }
        }
        if let snapshot = r.indexSnapshot {
            if let error = snapshot.error {
                lines.append("index snapshot to \(snapshot.location): FAILED: \(error)")
            } else {
                lines.append("index snapshot to \(snapshot.location): \(snapshot.snapshot ?? "?")")
            }
        }
        if let skipped = r.skippedSteps, !skipped.isEmpty {
            let why = r.cutShort == true ? "after the shutdown" : "left out on the command line"
            lines.append("skipped: \(skipped.map(\.rawValue).joined(separator: ", ")) (\(why))")
        }
        return lines
    }
}
