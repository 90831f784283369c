import Archive
import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import Nightly

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run nightly at the configured time; serve /metrics (Prometheus), /health and the coverage page (/ui, /status).",
        discussion: """
            Runs the nightly job (the same as `tsvault run`: run window, export and archive, retention, \
            scrub, backups) at schedule.daily (HH:MM) or on schedule.cron (five fields, e.g. "30 1 * * 1-5"), \
            both on the worker's local clock; default daily at 01:00. On SIGTERM or \
            SIGINT it starts no new export, lets the ones in flight finish and archive, then exits 0. \
            /health answers 200 while the last run did not fail outright, 503 otherwise. /ui is the \
            coverage page of `tsvault coverage --html` for the last daemon.uiDays days (31; ?days=N, \
            ?server=NAME, ?channel=N narrow it) and /status the same report as JSON: open on a loopback \
            address, on any other only with Authorization: Bearer <daemon.uiToken> (off without one). \
            Read-only. With live: in the configuration, it also watches each recorder's event socket \
            and archives the minutes around the configured events (motion, a camera disconnecting, \
            recording stopping) as soon as the recorder has written them.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Address for /metrics, /health, /ui and /status (another than loopback needs daemon.uiToken for /ui).")
    var listen = "127.0.0.1:9464"
    @Flag(help: "Run once right away, then follow the schedule.") var runNow = false
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset): for simulators with a fixed clock.") var now: String?

    func run() async throws {
        let config = try configOptions.load()
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen must be HOST:PORT") }
        let fixedNow = try now.map { try parseInstant($0, option: "--now") }
        let logger = try logging.logger(defaultLevel: .notice)
        let archive = try await ArchiveStore.openForWriting(config, logger: logger)
        let job = NightlyJob(runner: Runner(config: config, archive: archive, logger: logger), actor: "tsvault daemon")
        // One registry for the daemon's own metrics and, through swift-metrics, the libraries'
        // (recorder retries, download resumes) and the HTTP endpoints'.
        let metrics = DaemonMetrics(version: TSVaultVersion.current)
        MetricsSystem.bootstrap(metrics.factory())
        metrics.recorders(config.servers.map(\.name))
        let state = DaemonState(metrics: metrics)
        await state.seed(from: archive)
        let daemon = NightlyDaemon(
            job: job, state: state, schedule: try (config.schedule ?? .init()).resolved(),
            runAtStart: runNow, fixedNow: fixedNow)
        let host = String(parts[0])
        let token = try config.daemon?.uiTokenSource?.resolve()
        let coverage = CoverageEndpoints(
            archive: archive, access: .decide(host: host, token: token), days: config.daemon?.uiDays ?? 31, zone: .current)
        if case .off = coverage.access {
            logger.notice("/ui and /status are off: \(host) is not a loopback address and daemon.uiToken is not configured")
        }
        let live = config.live.map {
            var watch = LiveWatch(
                config: config, settings: $0, runner: Runner(config: config, archive: archive, logger: logger), logger: logger)
            watch.state = state
            return watch
        }
        try await DaemonService(daemon: daemon, host: host, port: port, coverage: coverage, live: live).run(logger: logger) { bound in
            // Unbuffered, so a supervisor or a test reads it at once.
            FileHandle.standardOutput.write(Data("tsvault daemon listening on http://\(host):\(bound)\n".utf8))
        }
    }
}
