import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Synchronization
import TestSupport

/// A client of `/wsapi/v1/events` for tests: what arrives is kept in order, `send` writes a
/// text frame, and `next(within:)` waits a bounded time for the next message.
final class EventProbe: Sendable {
    private let inbox = Mutex<(messages: [String], closed: Bool)>(([], false))
    private let outgoing: AsyncStream<String>.Continuation
    private let outgoingStream: AsyncStream<String>

    init() { (outgoingStream, outgoing) = AsyncStream.makeStream(of: String.self) }

    func send(_ text: String) { outgoing.yield(text) }

    /// The next message, or nil when none came within `limit` (or the socket closed).
    func next(within limit: Duration = .seconds(5)) async throws -> String? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let (message, closed) = inbox.withLock { box -> (String?, Bool) in
                box.messages.isEmpty ? (nil, box.closed) : (box.messages.removeFirst(), false)
            }
            if let message { return message }
            if closed { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The next message as a JSON object (a failure when none, or not JSON).
    func nextObject(within limit: Duration = .seconds(5)) async throws -> [String: Any] {
        guard let text = try await next(within: limit) else { throw TestFailure("no event socket message within \(limit)") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    /// Whether the server closed the connection.
    var isClosed: Bool { inbox.withLock { $0.closed } }

    /// Connects to `url` with `headers` and runs `body` while the connection lasts.
    static func with<T: Sendable>(
        _ url: String, headers: HTTPFields = [:], autoPing: Duration? = nil, _ body: @escaping @Sendable (EventProbe) async throws -> T
    ) async throws -> T {
        let probe = EventProbe()
        let logger = {
            var logger = Logger(label: "test-events")
            logger.logLevel = .critical
            return logger
        }()
        let configuration = WebSocketClientConfiguration(
            additionalHeaders: headers, autoPing: autoPing.map { .enabled(timePeriod: $0) } ?? .disabled)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                defer { probe.inbox.withLock { $0.closed = true } }
                _ = try? await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    try await withThrowingTaskGroup(of: Void.self) { pair in
                        pair.addTask {
                            for await text in probe.outgoingStream { try await outbound.write(.text(text)) }
                        }
                        pair.addTask {
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                if case .text(let text) = message { probe.inbox.withLock { $0.messages.append(text) } }
                            }
                            probe.inbox.withLock { $0.closed = true }
                        }
                        try await pair.next()
                        pair.cancelAll()
                    }
                }
                return nil
            }
            let result = try await withDeadline(.seconds(120), "event socket \(url)") { try await body(probe) }
            probe.outgoing.finish()
            group.cancelAll()
            return result
        }
    }
}
