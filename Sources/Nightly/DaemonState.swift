import Archive
import Foundation

/// What the daemon exposes on `/metrics` (through `DaemonMetrics`) and `/health`.
public actor DaemonState {
    public private(set) var running = false
    public private(set) var runsTotal = 0
    public private(set) var lastReport: RunReport?
    public private(set) var lastError: String?
    public private(set) var nextRun: Date?
    public nonisolated let metrics: DaemonMetrics
    private var runStarted: ContinuousClock.Instant?
    /// Recorders whose latest system event about their storage is trouble.
    public private(set) var storageTrouble: [String: StorageEvent] = [:]

    public init(metrics: DaemonMetrics = DaemonMetrics(version: TSVaultVersion.current)) {
        self.metrics = metrics
    }

    /// What the archive already knows: the last finished run's report, each backup target's
    /// last push, the archive's size and its damaged blobs, so a restarted daemon reports them at
    /// once instead of nothing until its next run. The counters (`…_total`) still count from
    /// the start of this process.
    public func seed(from archive: Archive) {
        if let run = (try? archive.runs(limit: 20))?.first(where: { $0.finishedAt != nil }),
            let json = try? archive.runReportJSON(run.id), let report = try? RunReport(storedJSON: json)
        {
            lastReport = report
            metrics.lastRun(report)
        }
        for push in (try? archive.backupStatus()) ?? [] {
            metrics.backupPushed(target: push.label, at: push.lastPush, damagedBlobs: push.damagedBlobs)
        }
        if let overview = try? archive.overview() {
            metrics.archiveSize(storedBytes: overview.storedBytes, overQuotaBytes: nil)
            metrics.failedBlobs(overview.failedBlobs)
        }
        for event in (try? archive.storageTrouble()) ?? [] { storage(event) }
    }

    /// A recorder's word on its storage: trouble is kept (and shown) until it says it is ready.
    func storage(_ event: StorageEvent) {
        storageTrouble[event.server] = event.trouble ? event : nil
        metrics.recorderStorageTrouble(server: event.server, event.trouble)
    }

    func started() {
        running = true
        runStarted = .now
        metrics.runInProgress.set(to: 1)
    }

    func scheduled(_ next: Date) { nextRun = next }

    func finished(_ report: RunReport, archive: Archive? = nil) {
        ended()
        if !report.complete { metrics.incompleteRuns.increment() }
        metrics.archivedBytes.increment(by: report.bytes)
        let channels = report.servers.flatMap(\.channels)
        metrics.failedWindows.increment(by: Int64(channels.reduce(0) { $0 + $1.failedWindows }))
        metrics.windowRetries.increment(by: Int64(channels.reduce(0) { $0 + $1.retries }))
        lastReport = report
        lastError = nil
        metrics.lastRun(report)
        followedUp(report)
        if let overview = try? archive?.overview() { metrics.failedBlobs(overview.failedBlobs) }
    }

    /// What the steps after the run did (NightlyJob), from the report.
    private func followedUp(_ report: RunReport) {
        if let retention = report.retention {
            if retention.error != nil {
                metrics.retentionFailures.increment()
            } else {
                metrics.retentionDeletedBytes.increment(by: retention.bytesFreed)
                metrics.retentionDeletedSegments.increment(by: Int64(retention.deletedSegments))
                metrics.archiveSize(storedBytes: retention.storedBytes, overQuotaBytes: retention.overQuotaBytes)
            }
        }
        if let scrub = report.scrub {
            metrics.scrubCheckedBytes.increment(by: scrub.bytes)
            metrics.scrubFailedBlobs.increment(by: Int64(scrub.damagedBlobs.count))
        }
        for backup in report.backups ?? [] {
            switch backup.status {
            case .pushed:
                metrics.backupPushed(
                    target: backup.label ?? backup.target, at: backup.finishedAt ?? report.finishedAt,
                    damagedBlobs: backup.damagedBlobs ?? 0)
            case .failed: metrics.backupFailures.increment()
            case .skipped: break
            }
        }
    }

    func failed(_ error: String) {
        ended()
        metrics.incompleteRuns.increment()
        lastError = error
    }

    private func ended() {
        running = false
        runsTotal += 1
        metrics.runs.increment()
        metrics.runInProgress.set(to: 0)
        if let runStarted { metrics.runDuration.record(ContinuousClock.now - runStarted) }
        runStarted = nil
    }

    /// Prometheus text exposition format 0.0.4.
    public func exposition() -> String { metrics.exposition() }

    /// One line for `systemctl status` (sd_notify STATUS=).
    func statusLine() -> String {
        let iso = ISO8601DateFormatter()
        if running { return "run in progress" }
        var parts: [String] = []
        if let lastReport {
            parts.append("last run \(lastReport.runID) \(lastReport.complete ? "complete" : "INCOMPLETE")")
        }
        if lastError != nil { parts.append("last run FAILED") }
        if let nextRun { parts.append("next \(iso.string(from: nextRun))") }
        for server in storageTrouble.keys.sorted() { parts.append("recorder \(server) STORAGE TROUBLE") }
        return parts.isEmpty ? "waiting for the first run" : parts.joined(separator: "; ")
    }

    /// `/health`: healthy unless the last run failed outright; recorders that reported storage
    /// trouble are listed under `recorderStorage`.
    public func health() -> (healthy: Bool, json: String) {
        var object: [String: Any] = ["running": running, "runs": runsTotal]
        if let report = lastReport {
            object["lastRunComplete"] = report.complete
            object["lastRunID"] = report.runID
        }
        if let lastError { object["lastError"] = lastError }
        // A warning, not a failure of the daemon: restarting it would not mend the recorder.
        object["recorderStorage"] = storageTrouble.values.sorted { $0.server < $1.server }.map { event -> [String: Any] in
            ["server": event.server, "event": event.name, "at": ISO8601DateFormatter().string(from: Date(unixMicros: event.atMicros))]
        }
        if let nextRun { object["nextRun"] = ISO8601DateFormatter().string(from: nextRun) }
        let healthy = lastError == nil
        object["status"] = healthy ? "ok" : "failing"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return (healthy, String(decoding: data, as: UTF8.self))
    }
}
