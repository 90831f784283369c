import Archive
import AsyncHTTPClient
import Backup
import Foundation
import Nightly
import TestSupport
import Testing

/// `tsvault daemon` as a real process: runs, serves /metrics and /health, stops gracefully.
@Suite(.timeLimit(.minutes(5))) struct DaemonTests {

    /// Starts the daemon (a run at once, at the recorders' fixed clock) and returns it with its base URL.
    func startDaemon(config: String) throws -> (Process, String) {
        let daemon = try DaemonProcess.start(
            ["--config", config, "--listen", "127.0.0.1:0", "--run-now", "--now", "2026-11-02T01:00:00-05:00"], limit: .seconds(300))
        return (daemon.process, daemon.url)
    }

    func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    func waitForExit(_ process: Process, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    @Test func daemonRunsServesMetricsAndHealthAndStopsOnSIGTERM() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("daemon")
            defer { try? FileManager.default.removeItem(atPath: work) }
            // A quota the footage of the look-back exceeds: retention runs after the run and
            // deletes nothing of it, and /metrics says by how much the archive is over.
            // Backup: disk A is mounted and initialized, disk B is swapped out (absent).
            _ = try BackupTarget(root: work + "/disk-a", initializeWithLabel: "A")
            _ = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]",
                extra: "retention: { quotaGB: 0.001 }\nscrub: { gbPerRun: 0.001 }\nbackup: { targets: [\(work)/disk-a, \(work)/disk-b] }")
            let (daemon, url) = try startDaemon(config: work + "/tsvault.yaml")
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            #expect(url.hasPrefix("http://127.0.0.1:"))
            var health = ""
            for _ in 0..<600 {
                health = (try? await get(url + "/health"))?.1 ?? ""
                if health.contains("\"lastRunComplete\"") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(health.contains("\"lastRunComplete\":true") && health.contains("\"status\":\"ok\""), "\(health)")
            // Retention follows the run's end (and /health) by a moment.
            var (status, metrics) = try await get(url + "/metrics")
            for _ in 0..<100 where !metrics.contains("tsvault_backup_last_push_timestamp_seconds{target=\"A\"}") {
                try await Task.sleep(for: .milliseconds(100))
                (status, metrics) = try await get(url + "/metrics")
            }
            #expect(status == 200 && metrics.contains("tsvault_runs_total 1") && metrics.contains("tsvault_last_run_complete 1"))
            #expect(metrics.contains("tsvault_channel_missing_seconds{server=\"nvr\",channel=\"3\"} 0.0\n"))
            let stored = try Archive(root: work + "/archive").retentionPlan(RetentionPolicy()).storedBytesBefore
            #expect(
                stored > 1_000_000 && metrics.contains("tsvault_retention_deleted_segments_total 0")
                    && metrics.contains("tsvault_archive_stored_bytes \(Double(stored))\n")
                    && metrics.contains("tsvault_archive_over_quota_bytes \(Double(stored - 1_000_000))\n"), "\(metrics)")
            #expect(metrics.contains("tsvault_backup_damaged_blobs{target=\"A\"} 0") && metrics.contains("tsvault_backup_failures_total 0"))
            let scrubbed = metrics.split(separator: "\n").first { $0.hasPrefix("tsvault_scrub_checked_bytes_total ") }.flatMap {
                Int64($0.split(separator: " ")[1])
            }
            #expect(
                (scrubbed ?? 0) >= 1_000_000 && metrics.contains("tsvault_scrub_failed_blobs_total 0"), "a scrub of 1 MB ran after the run")
            #expect(metrics.contains("tsvault_last_run_lost_seconds 0.0\n") && metrics.contains("tsvault_run_duration_seconds_count 1\n"))
            #expect(metrics.contains("tsvault_http_requests_total{http_route=\"/health\",http_request_method=\"GET\""), "\(metrics)")
            try MetricsChecks.promtoolAccepts(metrics)
            let used = try MetricsChecks.namesUsedByAlertsAndDashboard()
            #expect(used.count >= 18, "\(used)")
            for name in used {
                #expect(metrics.contains("\n" + name + "{") || metrics.contains("\n" + name + " "), "\(name) is on /metrics")
            }
            let disk = try BackupTarget(root: work + "/disk-a")
            let pushed = try await disk.verify(full: true)
            #expect(pushed.ok && pushed.snapshots.count == 1 && pushed.blobs > 0, "\(pushed)")
            #expect(!FileManager.default.fileExists(atPath: work + "/disk-b"), "an absent target is skipped, not created")
            kill(daemon.processIdentifier, SIGTERM)
            #expect(await waitForExit(daemon, seconds: 15) && daemon.terminationStatus == 0)
        }
    }

    @Test func sigtermDuringARunFinishesWhatIsInFlightAndTheNextRunCompletes() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("daemon-term")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1, 2, 3, 4]")
            let (daemon, _) = try startDaemon(config: work + "/tsvault.yaml")
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            try await Task.sleep(for: .milliseconds(1500))
            kill(daemon.processIdentifier, SIGTERM)
            #expect(
                await waitForExit(daemon, seconds: 60) && daemon.terminationStatus == 0,
                "graceful: exits once in-flight exports are archived")
            let archive = try Archive(root: config.archive)
            let interrupted = try #require(try archive.runs().first)
            #expect(interrupted.status == .incomplete && interrupted.finishedAt != nil, "the interrupted run still wrote its report")
            let counts = try await archive.counts()
            #expect(counts.blobFiles == counts.blobs, "nothing half-archived")
            let windows = try archive.windows(ofRun: interrupted.id)
            #expect(!windows.contains { $0.status == .failed }, "the exports in flight finished: \(windows.compactMap(\.error))")
            let report = try await Runner(config: config, archive: archive, logger: NightlyRunTests.quiet).run(
                now: NightlyRunTests.recorderNow)
            #expect(report.complete)
            try await NightlyRunTests.expectExactCoverage(r, archive: archive, channels: [1, 2, 3, 4])
        }
    }

    /// A run window that opens two hours from now, on the worker's clock, as the daemon's
    /// process reads it (same time zone as this test).
    static func closedRunWindow() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm"
        formatter.timeZone = .current
        let now = Date()
        return "runWindow: { start: \"\(formatter.string(from: now.addingTimeInterval(7200)))\", "
            + "end: \"\(formatter.string(from: now.addingTimeInterval(10800)))\" }"
    }

    @Test func theDaemonStartsNoExportWhenTheRunWindowIsClosed() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("daemon-window")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]",
                extra: Self.closedRunWindow())
            let (daemon, url) = try startDaemon(config: work + "/tsvault.yaml")
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            var health = ""
            for _ in 0..<600 {
                health = (try? await get(url + "/health"))?.1 ?? ""
                if health.contains("\"lastRunComplete\"") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(health.contains("\"lastRunComplete\":false"), "\(health)")
            kill(daemon.processIdentifier, SIGTERM)
            #expect(await waitForExit(daemon, seconds: 15) && daemon.terminationStatus == 0)
            let archive = try Archive(root: config.archive)
            let windows = try archive.windows(ofRun: 1)
            #expect(!windows.isEmpty && windows.allSatisfy { $0.status == .notStarted && $0.attempts == 0 }, "\(windows.map(\.status))")
            #expect(windows.allSatisfy { ($0.error ?? "").contains("run window closed") })
            #expect(try await archive.counts().segments == 0, "nothing was exported")

            // `tsvault run` under the same configuration does the same; --ignore-run-window overrides it.
            let closed = try BuiltProducts.runTSVault(["run", "--config", work + "/tsvault.yaml", "--now", NightlyJobTests.now])
            #expect(closed.status == 1 && closed.output.contains("run window closed"), "\(closed.output)")
            #expect(try await archive.counts().segments == 0)
            let ignored = try BuiltProducts.runTSVault([
                "run", "--config", work + "/tsvault.yaml", "--now", NightlyJobTests.now,
                "--ignore-run-window"
            ])
            #expect(ignored.status == 0, "\(ignored.output)")
            try await NightlyRunTests.expectExactCoverage(r, archive: archive, channels: [1, 3])
        }
    }
}

/// The shipped Prometheus alert rules and Grafana dashboard against a live daemon's /metrics.
enum MetricsChecks {
    /// `promtool check metrics` (Debian's prometheus package): names, types, HELP, suffixes.
    static func promtoolAccepts(_ exposition: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["promtool", "check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool check metrics (Scripts/install-deps.sh installs promtool): \(said)")
    }

    /// Every series name the alert rules and the dashboard query, histogram suffixes removed.
    static func namesUsedByAlertsAndDashboard() throws -> Set<String> {
        let files = ["Config/prometheus/tsvault-alerts.yml", "Config/grafana/tsvault-dashboard.json"]
        var names: Set<String> = []
        for file in files {
            let text = try String(contentsOfFile: Repository.path(file), encoding: .utf8)
            for match in text.matches(of: /tsvault_[a-z_]+/) {
                let name = String(match.output)
                names.insert(name.hasSuffix("_bucket") ? String(name.dropLast("_bucket".count)) : name)
            }
        }
        return names.filter { $0 != "tsvault_run_duration_seconds" }.union(["tsvault_run_duration_seconds_count"])
    }
}
