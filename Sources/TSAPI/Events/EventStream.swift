import Foundation
import HTTPTypes
import Logging
import WSClient

/// One open `/wsapi/v1/events` socket: the recorder's messages in, subscriptions out.
public struct EventStream: Sendable {
    /// Messages in order; an unreadable frame arrives as `.malformed` (the stream goes on). The
    /// stream ends when the recorder closes the socket with a close handshake, and throws when
    /// the connection fails or just ends — including when the recorder stops answering pings (a
    /// silent socket), after about two ping periods.
    public let messages: AsyncThrowingStream<EventStreamItem, any Error>
    let commands: AsyncStream<String>.Continuation

    /// Subscribes to `topic` (again: replaces its channel filter).
    public func subscribe(_ topic: String, channels: [Int]? = nil) {
        var object: [String: Any] = ["subscribe": topic]
        if let channels { object["ch"] = channels }
        send(object)
    }

    public func unsubscribe(_ topic: String) { send(["unsubscribe": topic]) }

    private func send(_ object: [String: Any]) { commands.yieldJSON(object) }
}

public enum EventStreamItem: Sendable {
    case message(LiveEventMessage)
    case malformed(TSAPIError)
}

extension TSAPIClient {
    static let eventsPath = "/wsapi/v1/events"

    /// Opens the event socket with `topics` (and a channel filter) subscribed from the start,
    /// runs `body` with it, and closes it when the body returns or throws. Pings every
    /// `pingEvery`; a recorder that misses a pong ends the stream with `eventSocketLost`.
    public func withEventStream<T: Sendable>(
        topics: [String], channels: [Int]? = nil, zone: RecorderTimeZone, pingEvery: Duration = .seconds(15),
        _ body: @Sendable (EventStream) async throws -> T
    ) async throws -> T {
        // The legacy /wsapi/subscribeEvents speaks another protocol; not implemented.
        guard settings.dialect == .v1 else {
            throw TSAPIError.notOnLegacyAPI(server: settings.name, feature: "live watch (the event socket)")
        }
        let material = try await auth.current()
        let headers = material.socketHeaders
        var query: [(String, String?)] = [("topics", topics.joined(separator: ","))]
        if let channels { query.append(("ch", channels.map(String.init).joined(separator: ","))) }
        let url = settings.webSocketBase + Self.eventsPath + Self.queryString(query) + "&" + material.queryItem
        let tls = try TLSPolicy.webSocketConfiguration(for: settings)
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 22, additionalHeaders: headers, autoPing: .enabled(timePeriod: pingEvery), sniHostname: tls?.sni)
        let (messages, sink) = AsyncThrowingStream.makeStream(of: EventStreamItem.self)
        let (commands, commandSink) = AsyncStream.makeStream(of: String.self)
        let (server, logger, socketLoop) = (settings.name, self.logger, self.socketLoop)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    let close = try await WebSocketClient.connect(
                        url: url, configuration: configuration, tlsConfiguration: tls?.0, eventLoopGroup: socketLoop, logger: logger
                    ) { inbound, outbound, _ in
                        try await withThrowingTaskGroup(of: Void.self) { socket in
                            socket.addTask {
                                for await command in commands { try await outbound.write(.text(command)) }
                            }
                            // The first motionChanges message after subscribing is the current state,
                            // in the same shape as a change: marked current so it is not taken for one.
                            var motionState = topics.contains("motionChanges") ? MotionState.expected : .seen
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                guard case .text(let text) = message else { continue }
                                do {
                                    for parsed in try LiveEventMessage.parse(text, zone: zone, server: server) {
                                        sink.yield(.message(motionState.mark(parsed)))
                                    }
                                    motionState.settle()
                                } catch let error as TSAPIError {
                                    sink.yield(.malformed(error))
                                }
                            }
                            socket.cancelAll()
                        }
                    }
                    // Only a close handshake ends a stream cleanly: a connection that just ended was
                    // dropped, or closed by our pings going unanswered (a silent recorder).
                    if close == nil {
                        sink.finish(
                            throwing: TSAPIError.eventSocketLost(server: server, detail: "dropped, or the recorder stopped answering pings")
                        )
                    } else {
                        sink.finish()
                    }
                } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                    sink.finish(throwing: await upgradeRefusal(url: url, material: material, path: Self.eventsPath, permission: "remote"))
                } catch {
                    sink.finish(throwing: Self.socketError(error, server: server, path: Self.eventsPath, permission: "remote"))
                }
            }
            defer {
                commandSink.finish()
                group.cancelAll()
            }
            return try await body(EventStream(messages: messages, commands: commandSink))
        }
    }
}

/// Whether the next motionChanges message is the current state sent on subscribing.
enum MotionState {
    case expected, marking, seen

    /// The message, marked current while the current state is expected; a subscription to
    /// motion (again) expects it anew.
    mutating func mark(_ message: LiveEventMessage) -> LiveEventMessage {
        switch message {
        case .subscribed(topic: "motionChanges"):
            self = .expected
            return message
        case .motion(let chid, let moving, let at, _) where self != .seen:
            self = .marking
            return .motion(chid: chid, moving: moving, at: at, current: true)
        default:
            return message
        }
    }

    /// After a whole frame: once a current state was marked, later motion messages are changes.
    mutating func settle() { if self == .marking { self = .seen } }
}
