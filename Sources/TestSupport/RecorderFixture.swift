import AsyncHTTPClient
import Foundation
import NIOCore
import TSAPI
import TSAPISimulator

/// A real tsapi-sim on a loopback port and a TSAPI client connected to it.
/// Shared by the test targets (not shipped): a live simulator plus a connected client.
public struct RecorderFixture: Sendable {
    public let port: Int
    public let apiKey: String
    public let config: SimulatorConfiguration
    public let client: TSAPIClient
    public let zone: RecorderTimeZone

    public enum Login: Sendable {
        case apiKey
        case userPassword(String)
    }

    public static func configuration(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) -> SimulatorConfiguration {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tsapi-client-tests")
        let now = RecorderTimeZone(TimeZone(identifier: "Asia/Seoul")!).parse("2026-11-25T12:00:00+09:00")!
        var c = SimulatorConfiguration(dataDirectory: root.appendingPathComponent(UUID().uuidString).path)
            .compactMedia(now: Int64(now.timeIntervalSince1970))
        c.cacheDirectory = root.appendingPathComponent("gop-cache").path
        c.port = 0
        c.retentionDays = 3
        c.apiKey = "tsapi_key_client_tests"
        adjust(&c)
        return c
    }

    public static func with<T: Sendable>(
        _ config: SimulatorConfiguration = configuration(), faults: [FaultRule] = [],
        login: Login = .apiKey, api: APIDialect? = .v1, retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20)),
        requestTimeout: Duration = .seconds(20),
        _ body: @Sendable (RecorderFixture) async throws -> T
    ) async throws -> T {
        let simulator = try await Simulator.prepare(config, faults: faults)
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        return try await simulator.withRunning { port in
            let credential: ConnectionSettings.Credential =
                switch login {
                case .apiKey: .apiKey(.literal(Secret(simulator.apiKey)))
                case .userPassword(let password): .userPassword(user: config.username, password: .literal(Secret(password)))
                }
            var settings = ConnectionSettings(
                name: "sim", baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                credential: credential, requestTimeout: requestTimeout, retry: retry)
            settings.api = api
            return try await TSAPIClient.withClient(settings) { client in
                let zone = try client.timeZone(of: try await client.serverInfo())
                return try await body(RecorderFixture(port: port, apiKey: simulator.apiKey, config: config, client: client, zone: zone))
            }
        }
    }

    /// POST to the simulator's control API (fault arming, token expiry).
    public func control(_ path: String, json: String) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/sim/v1/\(path)")
        request.method = .POST
        request.headers.add(name: "X-API-Key", value: apiKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw FixtureError("control \(path) answered \(response.status)") }
    }

    public func arm(_ spec: String) async throws { try await control("faults", json: #"{"spec":"\#(spec)"}"#) }

    public func date(_ iso: String) -> Date { zone.parse(iso)! }

    /// A fresh empty download directory.
    public static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tsapi-dl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Collects what `onFiles` saw.
public actor FileLog {
    public var sets: [ExportedFileSet] = []
    public init() {}
    public func add(_ set: ExportedFileSet) { sets.append(set) }
}
