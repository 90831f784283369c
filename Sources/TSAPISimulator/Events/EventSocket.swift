import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import WSCore

/// `/wsapi/v1/events` (guide §17): real-time events by topic. Credentials (`X-API-Key`,
/// `Authorization: Bearer`, `?apikey=`, `?token=`) and the `remote` permission are checked
/// before upgrading, a refusal answered 401/403 like the export socket's. Topics come from
/// `?topics=` (with `?ch=`) or later `{"subscribe":…}` messages; each change of the recording
/// schedule is sent to the subscribers of its topic as the recorder clock passes it.
enum EventSocket {
    static let path = "/wsapi/v1/events"

    static func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel, logger: Logger, state: SimulatorState
    ) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let query = QueryString(uriPath: head.path ?? "/")
        do {
            _ = try await state.authenticator.require(.remote, headers: head.headerFields, query: query, placement: .socketOrMedia)
        } catch {
            try? await channel.pipeline.addHandler(UpgradeRefusal(error), position: .first).get()
            return .dontUpgrade
        }
        let faults = Faults(
            dropAfter: await state.faults.take(.dropEvents)?.param, malformedAfter: await state.faults.take(.malformedEvent)?.param,
            silentAfter: await state.faults.take(.silentEvents)?.param)
        return .upgrade([:]) { inbound, outbound, _ in
            var connection = EventConnection(state: state, outbound: outbound, channel: channel, faults: faults)
            await connection.serve(query: query, inbound: inbound, logger: logger)
        }
    }

    /// Message-count faults of one connection (docs/SIMULATOR.md).
    struct Faults: Sendable {
        var dropAfter: Int?
        var malformedAfter: Int?
        var silentAfter: Int?
    }
}

/// One subscriber: reads its commands and the recorder clock, writes answers and events, one
/// writer for both.
struct EventConnection {
    let state: SimulatorState
    let outbound: WebSocketOutboundWriter
    let channel: any Channel
    let faults: EventSocket.Faults
    private var subscriptions = EventSubscriptions()
    private var sent = 0

    init(state: SimulatorState, outbound: WebSocketOutboundWriter, channel: any Channel, faults: EventSocket.Faults) {
        self.state = state
        self.outbound = outbound
        self.channel = channel
        self.faults = faults
    }

    private enum Input: Sendable {
        case text(String)
        case tick
        case closed
    }

    private enum Stop: Error {
        case dropped, silenced
    }

    mutating func serve(query: QueryString, inbound: WebSocketInboundStream, logger: Logger) async {
        let (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.read(inbound, into: feed, logger: logger) }
            group.addTask {
                // The recorder clock is read four times a second; a clock moved forward by the
                // control endpoint delivers everything it passed, in order.
                while !Task.isCancelled {
                    feed.yield(.tick)
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            do {
                try await run(query: query, inputs: inputs)
            } catch Stop.dropped {
                channel.close(mode: .all, promise: nil)
            } catch Stop.silenced {
                try? await channel.pipeline.addHandler(Silence(), position: .first).get()
                // Nothing more goes out (no event, no pong, no ping) until the client leaves.
                try? await Task.sleep(for: .seconds(600))
                channel.close(mode: .all, promise: nil)
            } catch {
                logger.debug("event socket ended", metadata: ["reason": "\(error)"])
            }
            feed.finish()
            group.cancelAll()
        }
    }

    private mutating func run(query: QueryString, inputs: AsyncStream<Input>) async throws {
        // The client's WebSocket library can lose frames that arrive while it is still switching
        // from HTTP (docs/CLIENT.md); the first messages wait a moment, as a recorder's do.
        try await Task.sleep(for: .milliseconds(100))
        try checkFaults()
        let topics = (query["topics"] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let channels = query["ch"].map { Set($0.split(separator: ",").compactMap { Int($0) }) }
        for refusal in subscriptions.subscribeFromQuery(topics: topics, channels: channels) { try await send(refusal.json) }
        for topic in EventTopic.served where subscriptions.passes(topic, channel: nil) {
            if let current = state.currentState(topic, channels: channels) { try await send(current) }
        }
        var last = state.clock.now
        var systemSeen = state.systemLog.count
        for await input in inputs {
            switch input {
            case .closed: return
            case .text(let text):
                let answer = subscriptions.apply(text)
                try await send(answer.json)
                if case .subscribed(let topic) = answer, let current = state.currentState(topic, channels: filter(of: topic)) {
                    try await send(current)
                }
            case .tick:
                let now = state.clock.now
                // Reported through the control endpoint: sent as soon as seen, whatever the clock.
                let reported = state.systemLog.events(after: systemSeen).map {
                    LiveEvent(at: $0.begin, chid: nil, change: .system(id: $0.id, code: $0.code))
                }
                systemSeen += reported.count
                for event in reported {
                    for (topic, chid, message) in state.messages(for: event) where subscriptions.passes(topic, channel: chid) {
                        try await send(message)
                    }
                }
                // A clock moved back (the control endpoint) starts over from there, reporting nothing.
                defer { last = now }
                guard now > last else { continue }
                for event in state.schedule.liveEvents(after: last, upTo: now) {
                    for (topic, chid, message) in state.messages(for: event) where subscriptions.passes(topic, channel: chid) {
                        try await send(message)
                    }
                }
            }
        }
    }

    private func filter(of topic: EventTopic) -> Set<Int>? {
        state.schedule.channelIDs.filter { subscriptions.passes(topic, channel: $0) }.reduce(into: Set<Int>()) { $0.insert($1) }
    }

    /// Sends one message, applying the connection's message-count faults: a drop or silence
    /// takes effect as soon as that many messages are out (0: before the first).
    private mutating func send(_ message: JSONValue) async throws {
        try checkFaults()
        if let n = faults.malformedAfter, sent == n {
            sent += 1
            try await outbound.write(.text("{\"topic\":\"channelStatus\",\"event\":"))
        }
        sent += 1
        try await outbound.write(.text(message.render()))
        try checkFaults()
    }

    private func checkFaults() throws {
        if let n = faults.dropAfter, sent >= n { throw Stop.dropped }
        if let n = faults.silentAfter, sent >= n { throw Stop.silenced }
    }

    private static func read(_ inbound: WebSocketInboundStream, into feed: AsyncStream<Input>.Continuation, logger: Logger) async {
        do {
            for try await message in inbound.messages(maxSize: 1 << 16) {
                if case .text(let text) = message { feed.yield(.text(text)) }
            }
        } catch {
            logger.debug("event socket read ended", metadata: ["error": "\(error)"])
        }
        feed.yield(.closed)
    }
}

/// Swallows every byte written to the connection from now on: a recorder that hangs without
/// closing (what `silentEvents` shows a client).
private final class Silence: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed(())
    }
}
