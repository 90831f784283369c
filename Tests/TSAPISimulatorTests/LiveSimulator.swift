import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import Remux
import TestSupport

@testable import TSAPISimulator

/// A real tsapi-sim on an ephemeral loopback port, driven over real HTTP and WebSocket.
struct LiveSimulator {
    let port: Int
    let apiKey: String
    let config: SimulatorConfiguration

    /// Small, fast media so tests stay quick; the recorder clock is frozen.
    static func testConfiguration(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) -> SimulatorConfiguration {
        // Each simulator gets its own export directory; the GOP cache is shared.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tsapi-sim-tests")
        var c = SimulatorConfiguration(dataDirectory: root.appendingPathComponent(UUID().uuidString).path)
            .compactMedia(now: ServerTime(zone: TimeZone(identifier: "Asia/Seoul")!).parse("2026-11-25T12:00:00+09:00")!.seconds)
        c.cacheDirectory = root.appendingPathComponent("gop-cache").path
        c.port = 0
        c.retentionDays = 3
        c.apiKey = "tsapi_key_tests"
        adjust(&c)
        return c
    }

    /// Runs `body` against a simulator that lives exactly as long as the body.
    static func with<T: Sendable>(
        _ config: SimulatorConfiguration = testConfiguration(), faults: [FaultRule] = [],
        _ body: @Sendable (LiveSimulator) async throws -> T
    ) async throws -> T {
        let simulator = try await Simulator.prepare(config, faults: faults)
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        return try await simulator.withRunning { port in
            try await body(LiveSimulator(port: port, apiKey: simulator.apiKey, config: config))
        }
    }

    // MARK: HTTP

    struct HTTPResult: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: [UInt8]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One request on a fresh connection (a cut download must not poison the next request).
    func http(_ method: HTTPRequest.Method = .get, _ uri: String, headers: HTTPFields = [:], json: String? = nil) async throws -> HTTPResult
    {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        let request = TestClient.Request(
            uri, method: method, authority: "127.0.0.1:\(port)", headers: headers,
            body: json.map { ByteBuffer(string: $0) })
        let port = self.port
        return try await withDeadline(.seconds(60), "\(method) \(uri)") {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                let response = try await client.execute(request)
                return HTTPResult(
                    status: response.status, headers: response.headers, body: response.body.map { Array($0.readableBytesView) } ?? [])
            }
        }
    }

    func get(_ uri: String, key: String? = nil) async throws -> HTTPResult {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-API-Key")!] = key ?? apiKey
        return try await http(.get, uri, headers: headers)
    }

    func bearer(_ token: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    func control(_ path: String, json: String) async throws {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-API-Key")!] = apiKey
        let result = try await http(.post, "/sim/v1/\(path)", headers: headers, json: json)
        guard result.status == .ok else { throw TestFailure("control \(path) failed: \(result.status) \(result.text)") }
    }

    func arm(_ spec: String) async throws { try await control("faults", json: #"{"spec":"\#(spec)"}"#) }

    // MARK: export socket

    enum Behavior: Sendable {
        /// Download every file (checking md5 when given), then `next`.
        case downloadAndNext
        /// Never answer: the server must alert and then cancel.
        case silent
        /// Answer each fileEnd with `wait` this many times, `interval` ms apart, then next.
        case waitThenNext(times: Int, intervalMs: Int)
        /// Send `cancel` after the first fileEnd.
        case cancelOnFirstFile
        /// Close the socket after the first fileEnd.
        case disconnectOnFirstFile
    }

    struct ExportRun: Sendable {
        var messages: [String] = []
        var files: [String: [UInt8]] = [:]
        var md5Mismatches: [String] = []
        var downloadStatuses: [HTTPResponse.Status] = []
        /// Status of each file's URL after `next` (or cancel) was sent.
        var afterAcknowledge: [HTTPResponse.Status] = []
        var unparseable: [String] = []

        var parsed: [[String: Any]] { messages.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] } }
        var stages: [String] { parsed.map { ($0["stage"] as? String) ?? ($0["request"] as? String) ?? "?" } }
        func first(_ stage: String) -> [String: Any]? { parsed.first { ($0["stage"] as? String ?? $0["request"] as? String) == stage } }
        var endCode: Int? { (first("end")?["status"] as? [String: Any])?["code"] as? Int }
        var readyCode: Int? { (first("ready")?["status"] as? [String: Any])?["code"] as? Int }
    }

    /// One export session, ended by the server or by `deadline` (then it throws). A session
    /// that receives nothing at all within 10 s fails at once, naming the likely cause:
    /// WSClient 1.6.2 on swift-nio 2.101 can lose every frame and the end of the connection
    /// when the server answers and closes in the same instant as the upgrade (docs/CLIENT.md,
    /// "Every wait is bounded"; the simulator now waits a moment before closing a refusal).
    /// It is not retried: a retry would run without the one-shot fault the first consumed.
    /// `socket` and `credential` default to v1's; the legacy API's are `/wsapi/dataExport` and
    /// `auth=base64(user:pass)`, used for the downloads too.
    func export(
        _ query: String, behavior: Behavior = .downloadAndNext, deadline: Duration = .seconds(90),
        socket: String = "/wsapi/v1/export", credential: String? = nil
    ) async throws -> ExportRun {
        let collected = ExportCollector()
        let credential = credential ?? "apikey=\(apiKey)"
        try await withDeadline(deadline, "export \(query)") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await self.session(query, behavior: behavior, socket: socket, credential: credential, into: collected)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    if await collected.run.messages.isEmpty {
                        throw TestFailure("export \(query): no message within 10 s (frames lost on the upgrade? see docs/CLIENT.md)")
                    }
                    try await Task.sleep(for: .seconds(86_400))
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
        return await collected.run
    }

    private func session(
        _ query: String, behavior: Behavior, socket: String, credential: String, into collected: ExportCollector
    ) async throws {
        let url = "ws://127.0.0.1:\(port)\(socket)?\(query)&\(credential)"
        var logger = Logger(label: "test-ws")
        logger.logLevel = .critical
        _ = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            var taskID = ""
            for try await message in inbound.messages(maxSize: 1 << 22) {
                guard case .text(let text) = message else { continue }
                await collected.record(text)
                guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                    await collected.unparseable(text)
                    continue
                }
                let stage = object["stage"] as? String ?? object["request"] as? String
                if stage == "ready", let task = object["task"] as? [String: Any] { taskID = "\(task["id"] ?? "")" }
                // A client leaves once the task is over: after `end`, or a refused `ready`.
                let code = (object["status"] as? [String: Any])?["code"] as? Int
                if stage == "end" || (stage == "ready" && code != 0) { return }
                guard stage == "fileEnd" else { continue }
                let entries = (((object["channel"] as? [String: Any])?["file"] as? [String: Any])?["download"] as? [[String: Any]]) ?? []
                func command(_ cmd: String) async throws { try await outbound.write(.text(#"{"task":"\#(taskID)","cmd":"\#(cmd)"}"#)) }
                switch behavior {
                case .silent: continue
                case .cancelOnFirstFile:
                    try await command("cancel")
                    continue
                case .disconnectOnFirstFile:
                    return
                case .waitThenNext(let times, let interval):
                    for _ in 0..<times {
                        try await Task.sleep(for: .milliseconds(interval))
                        try await command("wait")
                    }
                case .downloadAndNext: break
                }
                for entry in entries { try await self.download(entry, credential: credential, into: collected) }
                try await command("next")
                try await Task.sleep(for: .milliseconds(100))
                for entry in entries {
                    await collected.after(try await self.http(.get, self.path(of: entry, credential: credential)).status)
                }
            }
        }
    }

    func path(of entry: [String: Any], credential: String? = nil) -> String {
        let src = entry["src"] as? String ?? ""
        let path = src.components(separatedBy: "127.0.0.1:\(port)").last ?? src
        return path + (path.contains("?") ? "&" : "?") + (credential ?? "apikey=\(apiKey)")
    }

    private func download(_ entry: [String: Any], credential: String, into collected: ExportCollector) async throws {
        let result = try await http(.get, path(of: entry, credential: credential))
        await collected.downloaded(name: entry["fileName"] as? String ?? "?", result: result, md5: entry["md5"] as? String)
    }
}

actor ExportCollector {
    var run = LiveSimulator.ExportRun()
    func record(_ text: String) { run.messages.append(text) }
    func unparseable(_ text: String) { run.unparseable.append(text) }
    func after(_ status: HTTPResponse.Status) { run.afterAcknowledge.append(status) }
    func downloaded(name: String, result: LiveSimulator.HTTPResult, md5: String?) {
        run.downloadStatuses.append(result.status)
        run.files[name] = result.body
        if let md5, PacketDigest.md5Hex(result.body) != md5 { run.md5Mismatches.append(name) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
