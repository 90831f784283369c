import Archive
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Nightly
import ServiceLifecycle

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run nightly at the configured time; serve /metrics (Prometheus) and /health.",
        discussion: """
        Runs at schedule.daily (HH:MM) or on schedule.cron (five fields, e.g. "30 1 * * 1-5"), \
        both on the worker's local clock; default daily at 01:00. On SIGTERM or \
        SIGINT it starts no new export, lets the ones in flight finish and archive, then exits 0. \
        /health answers 200 while the last run did not fail outright, 503 otherwise.
        """)

    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "Address for /metrics and /health.") var listen = "127.0.0.1:9464"
    @Flag(help: "Run once right away, then follow the schedule.") var runNow = false
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset): for simulators with a fixed clock.") var now: String?

    func run() async throws {
        let config = try configOptions.load()
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen must be HOST:PORT") }
        let archive: Archive
        do { archive = try Archive(root: config.archive) } catch let error as ArchiveError {
            FileHandle.standardError.write(Data("tsvault daemon: \(error)\n".utf8))
            throw ExitCode(ExitCodes.code(for: error))
        }
        var logger = Logger(label: "tsvault")
        logger.logLevel = .notice
        let state = DaemonState()
        let fixedNow = try now.map { try parseInstant($0, option: "--now") }
        let daemon = NightlyDaemon(runner: Runner(config: config, archive: archive, logger: logger), state: state,
                                   schedule: try (config.schedule ?? .init()).resolved(), runAtStart: runNow, fixedNow: fixedNow, logger: logger)
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: await state.metrics())))
        }
        router.get("health") { _, _ -> Response in
            let (healthy, json) = await state.health()
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        var quiet = logger
        quiet.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname(String(parts[0]), port: port), serverName: "tsvault"),
                              onServerRunning: { channel in
                                  // Unbuffered, so a supervisor or a test reads it at once.
                                  let line = "tsvault daemon listening on http://\(parts[0]):\(channel.localAddress?.port ?? port)\n"
                                  FileHandle.standardOutput.write(Data(line.utf8))
                              }, logger: quiet)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }
}
