import Archive
import Foundation

/// What the daemon exposes on `/metrics` and `/health`.
public actor DaemonState {
    public private(set) var running = false
    public private(set) var runsTotal = 0
    public private(set) var incompleteRunsTotal = 0
    public private(set) var bytesTotal: Int64 = 0
    public private(set) var failedWindowsTotal = 0
    public private(set) var retriesTotal = 0
    public private(set) var lastReport: RunReport?
    public private(set) var lastError: String?
    public private(set) var nextRun: Date?
    public private(set) var retentionDeletedBytesTotal: Int64 = 0
    public private(set) var retentionDeletedSegmentsTotal = 0
    public private(set) var retentionFailuresTotal = 0
    /// After the last retention: what the blobs store, and by how much that exceeds the quota.
    public private(set) var lastRetention: (storedBytes: Int64, overQuotaBytes: Int64)?
    /// Per backup target label: when its last push ended and how many damaged blobs it skipped.
    public private(set) var lastBackups: [String: (at: Date, damaged: Int)] = [:]
    public private(set) var backupFailuresTotal = 0
    public private(set) var scrubbedBytesTotal: Int64 = 0
    public private(set) var scrubFailedBlobsTotal = 0

    public init() {}

    /// What the archive already knows: the last finished run's report and each backup target's
    /// last push, so a restarted daemon reports them at once instead of nothing until its next
    /// run. The counters (`…_total`) still count from the start of this process.
    public func seed(from archive: Archive) {
        if let run = (try? archive.runs(limit: 20))?.first(where: { $0.finishedAt != nil }),
            let json = try? archive.runReportJSON(run.id), let report = try? RunReport(storedJSON: json)
        {
            lastReport = report
        }
        for push in (try? archive.backupStatus()) ?? [] { lastBackups[push.label] = (push.lastPush, push.damagedBlobs) }
    }

    func started() { running = true }
    func scheduled(_ next: Date) { nextRun = next }

    func finished(_ report: RunReport) {
        running = false
        runsTotal += 1
        if !report.complete { incompleteRunsTotal += 1 }
        bytesTotal += report.bytes
        let channels = report.servers.flatMap(\.channels)
        failedWindowsTotal += channels.reduce(0) { $0 + $1.failedWindows }
        retriesTotal += channels.reduce(0) { $0 + $1.retries }
        lastReport = report
        lastError = nil
        followedUp(report)
    }

    /// What the steps after the run did (NightlyJob), from the report.
    private func followedUp(_ report: RunReport) {
        if let retention = report.retention {
            if retention.error != nil {
                retentionFailuresTotal += 1
            } else {
                retentionDeletedBytesTotal += retention.bytesFreed
                retentionDeletedSegmentsTotal += retention.deletedSegments
                lastRetention = (retention.storedBytes, retention.overQuotaBytes)
            }
        }
        if let scrub = report.scrub {
            scrubbedBytesTotal += scrub.bytes
            scrubFailedBlobsTotal += scrub.damagedBlobs.count
        }
        for backup in report.backups ?? [] {
            switch backup.status {
            case .pushed: lastBackups[backup.label ?? backup.target] = (backup.finishedAt ?? report.finishedAt, backup.damagedBlobs ?? 0)
            case .failed: backupFailuresTotal += 1
            case .skipped: break
            }
        }
    }

    func failed(_ error: String) {
        running = false
        runsTotal += 1
        incompleteRunsTotal += 1
        lastError = error
    }

    /// Prometheus text exposition format 0.0.4.
    public func metrics() -> String {
        var lines: [String] = []
        // One family: its HELP and TYPE lines, then a sample per label set.
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) \(type)"]
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0)=\"\(escape($1))\"" }.joined(separator: ",") + "}"
                lines.append("\(name)\(labels) \(sample.value)")
            }
        }
        func metric(_ name: String, _ type: String, _ help: String, _ value: String) { family(name, type, help, [([], value)]) }
        metric("tsvault_runs_total", "counter", "Nightly runs finished since start.", "\(runsTotal)")
        metric("tsvault_runs_incomplete_total", "counter", "Runs that left recorded minutes unarchived.", "\(incompleteRunsTotal)")
        metric("tsvault_archived_bytes_total", "counter", "Bytes downloaded and archived since start.", "\(bytesTotal)")
        metric("tsvault_failed_windows_total", "counter", "Export windows that failed or could not start.", "\(failedWindowsTotal)")
        metric("tsvault_window_retries_total", "counter", "Export window retries after transient failures.", "\(retriesTotal)")
        metric("tsvault_run_in_progress", "gauge", "1 while a run is going on.", running ? "1" : "0")
        metric("tsvault_retention_deleted_bytes_total", "counter", "Bytes retention deleted since start.", "\(retentionDeletedBytesTotal)")
        metric(
            "tsvault_retention_deleted_segments_total", "counter", "Segments retention deleted since start.",
            "\(retentionDeletedSegmentsTotal)")
        metric("tsvault_retention_failures_total", "counter", "Retention passes that failed.", "\(retentionFailuresTotal)")
        if let (stored, over) = lastRetention {
            metric("tsvault_archive_stored_bytes", "gauge", "Bytes the archive's blobs store after the last retention.", "\(stored)")
            metric(
                "tsvault_archive_over_quota_bytes", "gauge", "Bytes over retention.quotaGB that held, protected or event footage keeps.",
                "\(over)")
        }
        metric(
            "tsvault_scrub_checked_bytes_total", "counter", "Bytes of blobs re-checked by scrubbing since start.", "\(scrubbedBytesTotal)")
        metric(
            "tsvault_scrub_failed_blobs_total", "counter",
            "Blobs scrubbing found damaged since start (tsvault verify names their minutes).", "\(scrubFailedBlobsTotal)")
        metric(
            "tsvault_backup_failures_total", "counter", "Backup pushes that failed (target full, unplugged, I/O).", "\(backupFailuresTotal)"
        )
        if !lastBackups.isEmpty {
            let targets = lastBackups.sorted { $0.key < $1.key }
            family(
                "tsvault_backup_last_push_timestamp_seconds", "gauge", "End of the last push per backup target.",
                targets.map { ([("target", $0.key)], "\(Int($0.value.at.timeIntervalSince1970))") })
            family(
                "tsvault_backup_damaged_blobs", "gauge", "Archive blobs the last push skipped as damaged, per target.",
                targets.map { ([("target", $0.key)], "\($0.value.damaged)") })
        }
        if let report = lastReport {
            metric(
                "tsvault_last_run_complete", "gauge", "1 when the last run archived everything the recorders hold.",
                report.complete ? "1" : "0")
            metric("tsvault_last_run_timestamp_seconds", "gauge", "End of the last run.", "\(Int(report.finishedAt.timeIntervalSince1970))")
            let missing = report.servers.flatMap(\.channels).reduce(0) { $0 + $1.missing }
            metric("tsvault_last_run_missing_minutes", "gauge", "Recorded minutes still missing after the last run.", "\(missing)")
            family(
                "tsvault_channel_missing_minutes", "gauge", "Recorded minutes still missing per channel after the last run.",
                report.servers.flatMap { server in
                    server.channels.map { ([("server", server.name), ("channel", "\($0.channel)")], "\($0.missing)") }
                })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `/health`: healthy unless the last run failed outright.
    public func health() -> (healthy: Bool, json: String) {
        var object: [String: Any] = ["running": running, "runs": runsTotal]
        if let report = lastReport {
            object["lastRunComplete"] = report.complete
            object["lastRunID"] = report.runID
        }
        if let lastError { object["lastError"] = lastError }
        if let nextRun { object["nextRun"] = ISO8601DateFormatter().string(from: nextRun) }
        let healthy = lastError == nil
        object["status"] = healthy ? "ok" : "failing"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return (healthy, String(decoding: data, as: UTF8.self))
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
