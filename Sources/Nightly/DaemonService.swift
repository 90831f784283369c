import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `tsvault daemon` as a whole: the scheduled nightly job beside its HTTP endpoints, until
/// SIGTERM or SIGINT (which let the exports in flight finish and archive first).
public struct DaemonService: Sendable {
    public let daemon: NightlyDaemon
    public let state: DaemonState
    /// Where /metrics and /health listen; port 0 picks a free one.
    public let host: String
    public let port: Int
    /// /ui and /status, when the daemon serves them.
    public let coverage: CoverageEndpoints?
    /// Live watch of the recorders' event sockets, when configured (`live:`).
    public let live: LiveWatch?

    public init(daemon: NightlyDaemon, host: String, port: Int, coverage: CoverageEndpoints? = nil, live: LiveWatch? = nil) {
        self.daemon = daemon
        self.state = daemon.state
        self.host = host
        self.port = port
        self.coverage = coverage
        self.live = live
    }

    /// Serves until a graceful shutdown; `onListening` gets the bound port once it listens, and
    /// systemd (`Type=notify`) hears READY=1 then, the watchdog's pings, and STOPPING=1.
    public func run(
        logger: Logger, notifier: SystemdNotifier = SystemdNotifier(), onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        // The watchdog starts feeding systemd once READY=1 is out (systemd ignores pings before it).
        let (listening, nowListening) = AsyncStream.makeStream(of: Void.self)
        var quiet = logger
        quiet.logLevel = .warning
        let app = Application(
            router: Self.router(state, coverage: coverage),
            configuration: .init(address: .hostname(host, port: port), serverName: "tsvault"),
            onServerRunning: { [port, host] channel in
                let bound = channel.localAddress?.port ?? port
                onListening(bound)
                notifier.notify("READY=1\nSTATUS=listening on http://\(host):\(bound)")
                nowListening.yield()
            }, logger: quiet)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app), .init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(
                        service: SystemdWatchdog(notifier: notifier, state: state, ready: listening),
                        successTerminationBehavior: .ignore)
                ] + (live.map { [.init(service: $0, successTerminationBehavior: .ignore)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }

    /// `/metrics` in Prometheus' text format, `/health` as JSON (200 healthy, 503 failing), and
    /// the coverage page with its JSON when given.
    static func router(_ state: DaemonState, coverage: CoverageEndpoints? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        // Requests, errors and durations of these endpoints, by swift-metrics (into the daemon's
        // registry once `tsvault daemon` bootstrapped it).
        router.add(middleware: MetricsMiddleware())
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: await state.exposition())))
        }
        router.get("health") { _, _ -> Response in
            let (healthy, json) = await state.health()
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        coverage?.add(to: router)
        return router
    }
}
