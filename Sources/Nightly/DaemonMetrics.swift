import Archive
import CoreMetrics
import Foundation
import Prometheus

/// The daemon's metrics, kept in a Prometheus registry (swift-prometheus), which also holds
/// what the libraries and the HTTP endpoints record through swift-metrics once `tsvault daemon`
/// bootstraps the metrics system with it. Counters (`…_total`) count from the start of the
/// process; gauges that describe the archive are set from its index at start (`seed`).
public struct DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    let runs: Prometheus.Counter
    let incompleteRuns: Prometheus.Counter
    let archivedBytes: Prometheus.Counter
    let failedWindows: Prometheus.Counter
    let windowRetries: Prometheus.Counter
    let runInProgress: Prometheus.Gauge
    let runDuration: DurationHistogram
    let retentionDeletedBytes: Prometheus.Counter
    let retentionDeletedSegments: Prometheus.Counter
    let retentionFailures: Prometheus.Counter
    let scrubCheckedBytes: Prometheus.Counter
    let scrubFailedBlobs: Prometheus.Counter
    let backupFailures: Prometheus.Counter

    /// Runs take minutes when little is missing, hours after an outage.
    static let runDurationBuckets: [Duration] = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800].map { .seconds($0) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), version: String) {
        self.registry = registry
        let r = registry
        r.makeGauge(
            descriptor: Self.named("tsvault_build_info", "The running tsvault's version (always 1)."), labels: [("version", version)]
        ).set(to: 1)
        runs = r.makeCounter(descriptor: Self.named("tsvault_runs_total", "Nightly runs finished since start."))
        incompleteRuns = r.makeCounter(
            descriptor: Self.named("tsvault_runs_incomplete_total", "Runs that left recorded minutes unarchived."))
        archivedBytes = r.makeCounter(descriptor: Self.named("tsvault_archived_bytes_total", "Bytes downloaded and archived since start."))
        failedWindows = r.makeCounter(
            descriptor: Self.named("tsvault_failed_windows_total", "Export windows that failed or could not start."))
        windowRetries = r.makeCounter(
            descriptor: Self.named("tsvault_window_retries_total", "Export window retries after transient failures."))
        runInProgress = r.makeGauge(descriptor: Self.named("tsvault_run_in_progress", "1 while a run is going on."))
        runDuration = r.makeDurationHistogram(
            descriptor: Self.named("tsvault_run_duration_seconds", "How long nightly runs took, steps after it included."),
            buckets: Self.runDurationBuckets)
        retentionDeletedBytes = r.makeCounter(
            descriptor: Self.named("tsvault_retention_deleted_bytes_total", "Bytes retention deleted since start."))
        retentionDeletedSegments = r.makeCounter(
            descriptor: Self.named("tsvault_retention_deleted_segments_total", "Segments retention deleted since start."))
        retentionFailures = r.makeCounter(descriptor: Self.named("tsvault_retention_failures_total", "Retention passes that failed."))
        scrubCheckedBytes = r.makeCounter(
            descriptor: Self.named("tsvault_scrub_checked_bytes_total", "Bytes of blobs re-checked by scrubbing since start."))
        scrubFailedBlobs = r.makeCounter(
            descriptor: Self.named(
                "tsvault_scrub_failed_blobs_total", "Blobs scrubbing found damaged since start (tsvault verify names their minutes)."))
        backupFailures = r.makeCounter(
            descriptor: Self.named("tsvault_backup_failures_total", "Backup pushes that failed (target full, unplugged, I/O)."))
    }

    /// The last finished run: its verdict, end and what it left missing, per channel too.
    func lastRun(_ report: RunReport) {
        let r = registry
        r.makeGauge(descriptor: Self.named("tsvault_last_run_complete", "1 when the last run archived everything the recorders hold."))
            .set(to: report.complete ? 1 : 0)
        r.makeGauge(descriptor: Self.named("tsvault_last_run_timestamp_seconds", "End of the last run."))
            .set(to: report.finishedAt.timeIntervalSince1970.rounded(.down))
        let channels = report.servers.flatMap(\.channels)
        r.makeGauge(
            descriptor: Self.named(
                "tsvault_last_run_missing_seconds", "Recorded footage still missing after the last run (whole minutes, in seconds).")
        ).set(Int64(channels.reduce(0) { $0 + $1.missing }) * 60)
        r.makeGauge(
            descriptor: Self.named(
                "tsvault_last_run_lost_seconds",
                "Recorded footage the last run found overwritten by the recorder before it was archived (whole minutes, in seconds).")
        ).set(Int64(report.lost.reduce(0) { $0 + $1.minutes }) * 60)
        for server in report.servers {
            for channel in server.channels {
                r.makeGauge(
                    descriptor: Self.named(
                        "tsvault_channel_missing_seconds",
                        "Recorded footage still missing per channel after the last run (whole minutes, in seconds)."),
                    labels: [("server", server.name), ("channel", "\(channel.channel)")]
                ).set(Int64(channel.missing) * 60)
            }
        }
    }

    /// The recorders' request retries and download resumes at 0 and their storage trouble at 0,
    /// so a recorder that never had any shows as such (instead of no series until its first);
    /// `seed` then sets the trouble the index knows.
    public func recorders(_ names: [String]) {
        for name in names {
            for label in ["tsvault_recorder_request_retries_total", "tsvault_download_resumes_total"] {
                _ = registry.makeCounter(descriptor: LibraryMetricsFactory.descriptor(label), labels: [("server", name)])
            }
            recorderStorageTrouble(server: name, false)
        }
    }

    /// A backup target's last push: when it ended and the damaged blobs it left out.
    func backupPushed(target: String, at: Date, damagedBlobs: Int) {
        registry.makeGauge(
            descriptor: Self.named("tsvault_backup_last_push_timestamp_seconds", "End of the last push per backup target."),
            labels: [("target", target)]
        ).set(to: at.timeIntervalSince1970.rounded(.down))
        registry.makeGauge(
            descriptor: Self.named("tsvault_backup_damaged_blobs", "Archive blobs the last push skipped as damaged, per target."),
            labels: [("target", target)]
        ).set(Int64(damagedBlobs))
    }

    /// What the blobs store, and (after a retention pass with a quota) by how much it is over.
    func archiveSize(storedBytes: Int64, overQuotaBytes: Int64?) {
        registry.makeGauge(descriptor: Self.named("tsvault_archive_stored_bytes", "Bytes the archive's blobs store.")).set(storedBytes)
        guard let overQuotaBytes else { return }
        registry.makeGauge(
            descriptor: Self.named(
                "tsvault_archive_over_quota_bytes", "Bytes over retention.quotaGB that held, protected or event footage keeps.")
        ).set(overQuotaBytes)
    }

    /// Blobs whose last check found them damaged (the index's verdict, whoever checked).
    func failedBlobs(_ count: Int) {
        registry.makeGauge(
            descriptor: Self.named(
                "tsvault_archive_failed_blobs", "Archive blobs whose last check failed (tsvault verify names their minutes).")
        )
        .set(Int64(count))
    }

    // MARK: live watch

    /// Whether a recorder's event socket is open (1) or being reconnected (0).
    func liveConnected(server: String, _ connected: Bool) {
        registry.makeGauge(
            descriptor: Self.named("tsvault_live_connected", "1 while live watch has the recorder's event socket open."),
            labels: [("server", server)]
        ).set(Int64(connected ? 1 : 0))
    }

    func liveReconnected(server: String) {
        registry.makeCounter(
            descriptor: Self.named("tsvault_live_reconnects_total", "Event sockets live watch lost and opened again."),
            labels: [("server", server)]
        ).increment()
    }

    /// An event that asked for footage (motion, disconnection, recording stopped).
    func liveEvent(server: String) {
        registry.makeCounter(
            descriptor: Self.named("tsvault_live_events_total", "Events live watch archives footage around."), labels: [("server", server)]
        ).increment()
    }

    /// A live window exported (or failed), with the bytes archived and how long after the
    /// recorder had its last minute the footage was archived.
    func liveWindow(server: String, bytes: Int64, failed: Bool, delay: Duration?) {
        registry.makeCounter(
            descriptor: Self.named("tsvault_live_windows_total", "Live windows exported, by outcome."),
            labels: [("server", server), ("outcome", failed ? "failed" : "archived")]
        ).increment()
        registry.makeCounter(
            descriptor: Self.named("tsvault_live_archived_bytes_total", "Bytes live watch archived."), labels: [("server", server)]
        ).increment(by: bytes)
        if let delay {
            registry.makeDurationHistogram(
                descriptor: Self.named(
                    "tsvault_live_archive_delay_seconds", "From the recorder having a live window's footage to its being archived."),
                buckets: [5, 15, 30, 60, 120, 300, 900].map { .seconds($0) }
            ).record(delay)
        }
    }

    /// Whether a recorder's latest word on its storage is trouble (disk error, disk full).
    func recorderStorageTrouble(server: String, _ trouble: Bool) {
        registry.makeGauge(
            descriptor: Self.named(
                "tsvault_recorder_storage_trouble", "1 when the recorder's latest system event about its storage is trouble."),
            labels: [("server", server)]
        ).set(Int64(trouble ? 1 : 0))
    }

    func catchUp(server: String) {
        registry.makeCounter(
            descriptor: Self.named(
                "tsvault_live_catch_ups_total", "Runs of one recorder started at once after it reported storage trouble."),
            labels: [("server", server)]
        ).increment()
    }

    /// A metric's full name (unit and `_total` included) and its HELP text.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The text exposition format Prometheus scrapes.
    public func exposition() -> String { registry.emitToString() }

    /// The swift-metrics factory `tsvault daemon` bootstraps: everything recorded through
    /// swift-metrics lands in this registry, under Prometheus names and with HELP text.
    public func factory() -> any MetricsFactory { LibraryMetricsFactory(registry: registry) }
}
