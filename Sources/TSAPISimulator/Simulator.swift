import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import Remux

/// A running-ready TS-API v1 recorder simulator.
public struct Simulator: Sendable {
    let state: SimulatorState
    public var configuration: SimulatorConfiguration { state.config }
    /// The all-permission API key created at start (printed by the command line).
    public var apiKey: String { state.printedAPIKey }

    /// Validates the configuration, loads (or encodes once) the GOP library and creates the
    /// credentials.
    public static func prepare(_ config: SimulatorConfiguration, faults: [FaultRule] = []) async throws -> Simulator {
        let problems = config.validationErrors()
        guard problems.isEmpty else { throw SimulatorError.invalidConfiguration(problems) }
        FFmpegLogging.quiet()
        let cache = config.cacheDirectory ?? (config.dataDirectory as NSString).appendingPathComponent("gop-cache")
        let library = try GOPLibrary.load(settings: config.videoSettings, variants: config.gopVariants, cacheDirectory: cache)
        let audio = try config.audio.map { try AudioEncoder.encodeTone($0) }
        let auth = AuthStore(
            username: config.username, password: config.password,
            accessTTL: config.accessTokenTTL, refreshTTL: config.refreshTokenTTL)
        let key = await auth.createKey(
            name: "tsapi-sim default", permissions: [.all], channels: nil, ipWhitelist: nil,
            expiresAt: nil, key: config.apiKey)
        // Leftovers of a previous run are never served again.
        try? FileManager.default.removeItem(atPath: (config.dataDirectory as NSString).appendingPathComponent("exports"))
        return Simulator(
            state: SimulatorState(
                config: config, library: library, audio: audio, printedAPIKey: key.key, auth: auth,
                faults: FaultInjector(faults)))
    }

    /// Serves until the surrounding task is cancelled; `onStarted` gets the bound port.
    public func run(logger: Logger = Logger(label: "tsapi-sim"), onStarted: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        if state.config.api.servesV1 {
            state.addAuthRoutes(to: router)
            state.addInfoRoutes(to: router)
            state.addRecordingRoutes(to: router)
        }
        if state.config.api.servesLegacy { state.addLegacyRoutes(to: router) }
        state.addDownloadRoutes(to: router)
        state.addControlRoutes(to: router)
        state.addFallbackRoutes(to: router)
        router.middlewares.add(XHostPolicy(required: state.config.requireXHost))
        let state = self.state
        let tls = try tlsConfiguration()
        let server = HTTPServerBuilder { responder -> any ServerChildChannel in
            let plain = HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(ws: .init(maxFrameSize: 1 << 20))) {
                head, channel, logger in
                if head.path?.split(separator: "?", maxSplits: 1).first.map(String.init) == EventSocket.path {
                    return await EventSocket.shouldUpgrade(head, channel: channel, logger: logger, state: state)
                }
                return await ExportSocket.shouldUpgrade(head, channel: channel, logger: logger, state: state)
            }
            guard let tls else { return ClosingChildChannel(base: plain) }
            return ClosingChildChannel(base: try TLSChannel(plain, tlsConfiguration: tls))
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "TS-NVR"),
            onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.run()
    }
}

extension Simulator {
    /// The server side of `--tls-cert/--tls-key`, nil for plain HTTP.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard let certFile = state.config.tlsCertificateFile, let keyFile = state.config.tlsKeyFile else { return nil }
        let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }

    /// Serves while `body` runs and stops when it returns; `body` gets the bound port. This
    /// is how tests, benchmarks and the demo embed a recorder.
    public func withRunning<T: Sendable>(
        logger: Logger = Simulator.quietLogger,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.run(logger: logger) { portSink.yield($0) }
                return nil
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw SimulatorError.didNotStart }
            return try await body(port)
        }
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "tsapi-sim")
        logger.logLevel = ProcessInfo.processInfo.environment["TSV_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }
}

public enum SimulatorError: Error, CustomStringConvertible {
    case invalidConfiguration([String])
    case didNotStart
    public var description: String {
        switch self {
        case .didNotStart: return "the simulator stopped before it was listening"
        case .invalidConfiguration(let problems): return "invalid configuration:\n  " + problems.joined(separator: "\n  ")
        }
    }
}

/// `--require-x-host`: answer 400 to v1 REST calls without the X-Host header (§1.6).
struct XHostPolicy: RouterMiddleware {
    typealias Context = BasicRequestContext
    let required: Bool
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if required, request.uri.path.hasPrefix("/api/v1/"), request.headers[.xHost] == nil {
            throw APIError.badRequest("X-Host header is required")
        }
        return try await next(request, context)
    }
}
