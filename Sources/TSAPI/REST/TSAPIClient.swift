import CoreMetrics
import Foundation
import Logging
import NIOHTTP1
import NIOPosix

/// A connection to one recorder's TS-API v1: authenticated, retrying, typed.
///
/// Create it with `withClient`, which logs out and releases connections when the body ends.
public struct TSAPIClient: Sendable {
    public let settings: ConnectionSettings
    let transport: HTTPTransport
    let auth: SessionAuth
    let logger: Logger
    /// The event loop of this client's export sockets, shut down with the client. WSClient
    /// 1.6.2 never closes the connection of an upgrade the recorder declines (401/403/404):
    /// it throws `webSocketUpgradeFailed` and leaves the channel open, so each decline left a
    /// socket in CLOSE-WAIT for the life of the process. Shutting this loop down closes them,
    /// so they last at most as long as the client (one run of one recorder).
    let socketLoop: MultiThreadedEventLoopGroup

    public static func withClient<T: Sendable>(
        _ settings: ConnectionSettings, logger: Logger = Logger(label: "tsapi"),
        _ body: (TSAPIClient) async throws -> T
    ) async throws -> T {
        var settings = settings
        let transport = try HTTPTransport.make(settings)
        if settings.api == nil {
            do {
                let server = settings.name
                settings.api = try await settings.retry.run(onRetry: retryLog(settings, logger, path: "/api/v1/info")) {
                    try await detectAPI(transport, server: server)
                }
            } catch {
                await transport.shutdown()
                throw error
            }
            logger.debug("recorder API detected", metadata: ["server": "\(settings.name)", "api": "\(settings.dialect.rawValue)"])
        }
        let client = TSAPIClient(
            settings: settings, transport: transport, auth: SessionAuth(settings: settings, transport: transport),
            logger: logger, socketLoop: MultiThreadedEventLoopGroup(numberOfThreads: 1))
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Which API the recorder speaks: v1 when `/api/v1/info` answers, else legacy when
    /// `/api/info` answers with a `TS-API@0.x` version (both need no credential). A v1 recorder
    /// with its legacy API on answers both: v1 is used.
    static func detectAPI(_ transport: HTTPTransport, server: String) async throws -> APIDialect {
        let v1 = try await transport.send(.GET, "/api/v1/info?apiVersion", headers: [:])
        if v1.status == 200 { return .v1 }
        let legacy = try await transport.send(.GET, "/api/info?apiVersion", headers: [:])
        let version = (try? JSONSerialization.jsonObject(with: Data(legacy.body)) as? [String: Any])?.string("apiVersion")
        if legacy.status == 200, let version, version.hasPrefix("TS-API@0.") { return .legacy }
        throw TSAPIError.malformedResponse(
            server: server, path: "/api/v1/info, /api/info",
            detail:
                "neither TS-API v1 (HTTP \(v1.status)) nor the legacy API (HTTP \(legacy.status)\(version.map { ", \($0)" } ?? "")) answered"
        )
    }

    private func close() async {
        await auth.logout()
        await transport.shutdown()
        try? await socketLoop.shutdownGracefully()
    }

    /// The current credential (for the export socket and download URLs).
    public func credential() async throws -> AuthMaterial { try await auth.current() }

    /// Token refreshes and logins so far (JWT only).
    public func authCounters() async -> (refreshes: Int, logins: Int) { (await auth.refreshes, await auth.logins) }

    // MARK: requests

    /// GET with credentials; a 401 on a JWT triggers one refresh and one retry; transient
    /// failures retry with backoff; statuses map to typed errors.
    func getJSON(_ path: String, query: [(String, String?)] = [], permission: String? = nil, authenticated: Bool = true) async throws -> Any
    {
        let pathAndQuery = path + Self.queryString(query)
        return try await settings.retry.run(onRetry: Self.retryLog(settings, logger, path: path)) {
            let answer = try await authorizedSend(pathAndQuery, authenticated: authenticated)
            try check(answer, path: path, permission: permission)
            let reader = JSONReader(server: settings.name, path: path)
            return try reader.parse(answer.body)
        }
    }

    /// Logs and counts one retry of a request. Info, not warning: a retry that succeeds is
    /// routine; the caller reports the failure that outlasts them. Counted so a recorder that
    /// needs many shows on /metrics.
    static func retryLog(_ settings: ConnectionSettings, _ logger: Logger, path: String) -> @Sendable (Int, TSAPIError) async -> Void {
        { attempt, error in
            logger.info(
                "retrying", metadata: ["server": "\(settings.name)", "path": "\(path)", "attempt": "\(attempt)", "error": "\(error)"])
            Counter(label: "tsvault_recorder_request_retries_total", dimensions: [("server", settings.name)]).increment()
        }
    }

    private func authorizedSend(_ pathAndQuery: String, authenticated: Bool) async throws -> HTTPAnswer {
        guard authenticated else { return try await transport.send(.GET, pathAndQuery, headers: [:]) }
        // A 401 on a JWT: refresh and retry, a few times (a very short token lifetime may let
        // the new token expire too before it is used).
        var material = try await auth.current()
        var attempts = 0
        while true {
            var headers = HTTPHeaders()
            material.apply(to: &headers)
            let answer = try await transport.send(.GET, pathAndQuery, headers: headers)
            attempts += 1
            // The last 401 is returned as it is; `check` turns it into `.unauthorized`.
            guard answer.status == 401, attempts <= 3, try await auth.recover(from: material) else { return answer }
            material = try await auth.current()
        }
    }

    func check(_ answer: HTTPAnswer, path: String, permission: String?) throws {
        guard answer.status != 200 else { return }
        let message = (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?.string("message")
        switch answer.status {
        case 401: throw TSAPIError.unauthorized(server: settings.name, path: path)
        case 403: throw TSAPIError.forbidden(server: settings.name, path: path, permission: permission)
        case 404: throw TSAPIError.notFound(server: settings.name, path: path)
        case 500...599: throw TSAPIError.serverError(server: settings.name, path: path, status: answer.status, message: message)
        default: throw TSAPIError.httpStatus(server: settings.name, path: path, status: answer.status, message: message)
        }
    }

    static func queryString(_ items: [(String, String?)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { key, value in value.map { "\(key)=\(QueryEncoding.encode($0))" } ?? key }.joined(separator: "&")
    }

    func reader(_ path: String) -> JSONReader { JSONReader(server: settings.name, path: path) }
}
