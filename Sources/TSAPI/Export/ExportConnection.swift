import Foundation
import HTTPTypes
import Logging
import NIOHTTP1
import Synchronization
import WSClient

/// One open `/wsapi/v1/export` socket: typed events in, commands out.
public struct ExportConnection: Sendable {
    /// Server messages in order. Unparseable frames arrive as `.malformed` so the caller can
    /// decide; the stream ends when the socket closes and throws on transport failure.
    public let events: AsyncThrowingStream<ExportConnectionEvent, any Error>
    let commands: AsyncStream<String>.Continuation
    let activity: ActivityClock

    public func send(_ command: ExportCommand, task: String) {
        activity.touch()
        commands.yieldJSON(["task": task, "cmd": command.rawValue])
    }
}

extension AsyncStream<String>.Continuation {
    /// Queues `object` as one JSON text frame (keys sorted).
    func yieldJSON(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        yield(String(decoding: data, as: UTF8.self))
    }
}

public enum ExportConnectionEvent: Sendable {
    case message(ExportEvent)
    case malformed(TSAPIError)
}

extension TSAPIClient {
    /// Opens the export socket for `request`, runs `body` with it, and closes it when the
    /// body returns or throws (closing makes the recorder stop the task and delete its files).
    public func withExportConnection<T: Sendable>(
        _ request: ExportRequest, zone: RecorderTimeZone,
        _ body: @Sendable (ExportConnection) async throws -> T
    ) async throws -> T {
        let material = try await auth.current()
        let headers = material.socketHeaders
        // Header and query both (§2.4 recommendation).
        let path = settings.dialect.exportSocketPath
        let url = settings.webSocketBase + path + Self.queryString(request.query(zone: zone)) + "&" + material.queryItem
        let tls = try TLSPolicy.webSocketConfiguration(for: settings)
        let socketConfiguration = WebSocketClientConfiguration(maxFrameSize: 1 << 24, additionalHeaders: headers, sniHostname: tls?.sni)
        let (events, eventSink) = AsyncThrowingStream.makeStream(of: ExportConnectionEvent.self)
        let (commands, commandSink) = AsyncStream.makeStream(of: String.self)
        let server = settings.name
        let logger = self.logger
        let socketLoop = self.socketLoop

        let activity = ActivityClock()
        let timeouts = request.timeouts
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Watchdog: every wait on the socket is bounded (first message, idle, session), also
            // when the peer's close never reaches us (see ExportTimeouts.firstMessage).
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(250))
                    if let why = timeouts.exceeded(elapsed: activity.elapsed, idle: activity.idle, sawFirstMessage: activity.sawMessage) {
                        eventSink.finish(throwing: TSAPIError.socketClosed(server: server, context: why))
                        return
                    }
                }
            }
            group.addTask {
                do {
                    try await WebSocketClient.connect(
                        url: url, configuration: socketConfiguration, tlsConfiguration: tls?.0,
                        eventLoopGroup: socketLoop, logger: logger
                    ) { inbound, outbound, _ in
                        try await withThrowingTaskGroup(of: Void.self) { socket in
                            socket.addTask {
                                for await command in commands { try await outbound.write(.text(command)) }
                            }
                            var previous = "connect"
                            // messages(maxSize:) reassembles fragmented frames (§6.9 step 2).
                            for try await message in inbound.messages(maxSize: 1 << 24) {
                                guard case .text(let text) = message else { continue }
                                do {
                                    activity.received()
                                    let event = try ExportEvent.parse(text, server: server, after: previous)
                                    previous = event.stageName
                                    eventSink.yield(.message(event))
                                } catch let error as TSAPIError {
                                    eventSink.yield(.malformed(error))
                                }
                            }
                            socket.cancelAll()
                        }
                    }
                    eventSink.finish()
                } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                    eventSink.finish(throwing: await upgradeRefusal(url: url, material: material, path: path))
                } catch {
                    eventSink.finish(throwing: Self.socketError(error, server: server, path: path))
                }
            }
            defer {
                commandSink.finish()
                group.cancelAll()
            }
            let connection = ExportConnection(events: events, commands: commandSink, activity: activity)
            return try await body(connection)
        }
    }

    /// The upgrade answer's status is not visible through the WebSocket client, so ask the
    /// same URL once over plain HTTP to tell a bad key from a missing permission or license.
    func upgradeRefusal(
        url: String, material: AuthMaterial, path: String = "/wsapi/v1/export", permission: String = "dataExport"
    ) async -> TSAPIError {
        let pathAndQuery = url.firstIndex(of: "?").map { path + String(url[$0...]) } ?? path
        var headers = HTTPHeaders()
        material.apply(to: &headers)
        guard let answer = try? await transport.send(.GET, pathAndQuery, headers: headers) else {
            return .socketClosed(server: settings.name, context: "(upgrade refused)")
        }
        switch answer.status {
        case 401: return .unauthorized(server: settings.name, path: path)
        case 403: return .forbidden(server: settings.name, path: path, permission: permission)
        case 404: return .notFound(server: settings.name, path: path)
        default: return .socketClosed(server: settings.name, context: "(upgrade refused, HTTP \(answer.status))")
        }
    }

    static func socketError(
        _ error: any Error, server: String, path: String = "/wsapi/v1/export", permission: String = "dataExport"
    ) -> TSAPIError {
        if let mapped = error as? TSAPIError { return mapped }
        let text = String(describing: error)
        if text.contains("401") { return .unauthorized(server: server, path: path) }
        if text.contains("403") { return .forbidden(server: server, path: path, permission: permission) }
        if text.contains("404") { return .notFound(server: server, path: path) }
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return .unreachable(server: server, detail: "\(path): \(text)")
        }
        if text.lowercased().contains("certificate") || text.contains("SSL") { return .tls(server: server, detail: text) }
        return .socketClosed(server: server, context: "(\(text))")
    }
}

/// When the export socket opened, last saw traffic in either direction, and whether the
/// recorder has said anything yet.
final class ActivityClock: Sendable {
    private let opened = ContinuousClock.now
    private let last = Mutex((at: ContinuousClock.now, sawMessage: false))
    func touch() { last.withLock { $0.at = .now } }
    func received() { last.withLock { $0 = (.now, true) } }
    var idle: Duration { ContinuousClock.now - last.withLock { $0.at } }
    var elapsed: Duration { ContinuousClock.now - opened }
    var sawMessage: Bool { last.withLock { $0.sawMessage } }
}
