import Archive
import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

/// `tsvault daemon`. Its runs, metrics, retention, backups and SIGTERM during a run are
/// covered in NightlyTests (DaemonTests).
@Suite(.timeLimit(.minutes(5))) struct DaemonCommandTests {
    /// A daemon waiting for 03:00 on `config`, with its base URL and the deadline that kills it.
    static func start(config: String, environment: [String: String] = [:]) throws -> (Process, String, ProcessDeadline) {
        let daemon = try DaemonProcess.start(["--config", config, "--listen", "127.0.0.1:0"], environment: environment, limit: .seconds(60))
        #expect(daemon.url.hasPrefix("http://127.0.0.1:"), "\(daemon.url)")
        return (daemon.process, daemon.url, daemon.deadline)
    }

    /// The body of `url` once it contains `expected` (up to 5 s), else its last body.
    static func get(_ url: String, until expected: String) async throws -> String {
        var body = ""
        for _ in 0..<100 where !body.contains(expected) {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10)) {
                body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            }
            if !body.contains(expected) { try await Task.sleep(for: .milliseconds(50)) }
        }
        return body
    }

    @Test func aDaemonWaitingForItsScheduleServesHealthAndStopsOnSIGTERMWithExit0() async throws {
        try await CLI.workspace("daemon") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: "schedule: { daily: \"03:00\" }")
            let (process, url, deadline) = try Self.start(config: config)
            let health = try await Self.get(url + "/health", until: "nextRun")
            #expect(health.contains("\"nextRun\":") && health.contains("\"status\":\"ok\"") && health.contains("\"runs\":0"), "\(health)")
            kill(process.processIdentifier, SIGTERM)
            try deadline.waitForExit(process)
            #expect(process.terminationStatus == 0)
        }
    }

    /// After a restart the gauges describe the archive at once, not only after the next run.
    @Test func aRestartedDaemonReportsTheLastRunAndEachTargetsLastPushAtOnce() async throws {
        try await CLI.workspace("daemon-seed") { work in
            let archive = try await CLI.syntheticArchive(in: work)
            let run = try archive.startRun()
            try archive.finishRun(
                run, status: .complete,
                reportJSON:
                    #"{"runID":\#(run),"startedAt":"2026-11-02T06:00:00Z","finishedAt":"2026-11-02T06:10:00Z","servers":[],"lost":[]}"#)
            #expect(try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", archive.root).status == 0)
            let pushed = try #require(try archive.backupStatus().first?.lastPush)
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: "schedule: { daily: \"03:00\" }")
            let (process, url, deadline) = try Self.start(config: config)
            let metrics = try await Self.get(url + "/metrics", until: "tsvault_last_run_complete")
            // Gauges print as swift-prometheus writes doubles (1.0); counters as integers.
            #expect(metrics.contains("tsvault_runs_total 0\n") && metrics.contains("tsvault_last_run_complete 1.0\n"), "\(metrics)")
            #expect(metrics.contains("tsvault_last_run_timestamp_seconds 1793599800.0\n"), "the stored run's end, 2026-11-02T06:10:00Z")
            let pushedAt = Double(Int(pushed.timeIntervalSince1970))
            #expect(metrics.contains("tsvault_backup_last_push_timestamp_seconds{target=\"A\"} \(pushedAt)\n"))
            #expect(metrics.contains("tsvault_backup_damaged_blobs{target=\"A\"} 0.0\n"), "\(metrics)")
            let stored = try archive.overview().storedBytes
            #expect(stored > 0 && metrics.contains("tsvault_archive_stored_bytes \(Double(stored))\n"), "seeded from the index")
            #expect(
                metrics.contains("tsvault_archive_failed_blobs 0.0\n") && metrics.contains("tsvault_build_info{version=\"0.3.0\"} 1.0\n"))
            kill(process.processIdentifier, SIGTERM)
            try deadline.waitForExit(process)
        }
    }

    /// Under systemd's Type=notify: READY=1 once /metrics listens, WATCHDOG=1 every half
    /// WATCHDOG_USEC with a STATUS line, STOPPING=1 at SIGTERM; over a real Unix datagram socket.
    @Test func systemdHearsReadyTheWatchdogAndStopping() async throws {
        try await CLI.workspace("daemon-notify") { work in
            let socket = try NotifySocket()
            defer { socket.close() }
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: "schedule: { daily: \"03:00\" }")
            let (process, url, deadline) = try Self.start(
                config: config, environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"])
            let ready = socket.receive(seconds: 10)
            #expect(ready == "READY=1\nSTATUS=listening on \(url)", "\(ready ?? "nothing")")
            let pings = (0..<3).compactMap { _ in socket.receive(seconds: 2) }
            #expect(pings.count == 3 && pings.allSatisfy { $0.hasPrefix("WATCHDOG=1\nSTATUS=") }, "\(pings)")
            #expect(pings.last?.contains("next 20") == true, "the status names the next run: \(pings)")
            kill(process.processIdentifier, SIGTERM)
            var stopping: String?
            while let message = socket.receive(seconds: 10), stopping == nil { if message.hasPrefix("STOPPING=1") { stopping = message } }
            #expect(stopping != nil, "STOPPING=1 at SIGTERM")
            try deadline.waitForExit(process)
            #expect(process.terminationStatus == 0)
        }
    }

    @Test func aListenAddressWithoutPortExits64() async throws {
        try await CLI.workspace("daemon-listen") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            let result = try CLI.run("daemon", "--config", config, "--listen", "localhost")
            #expect(result.status == 64 && result.errors.contains("--listen must be HOST:PORT"), "\(result)")
        }
    }
}

/// The receiving end of sd_notify, as systemd has it: a Unix datagram socket at a path.
private struct NotifySocket {
    let path = "/tmp/tsvault-notify-\(UUID().uuidString.prefix(8)).sock"
    let fd: Int32

    init() throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    /// The next datagram, or nil after `seconds` without one.
    func receive(seconds: Int) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }

    func close() {
        _ = Glibc.close(fd)
        unlink(path)
    }
}
