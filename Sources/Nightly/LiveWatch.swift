import Archive
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TSAPI

/// Live watch (`live:` in the configuration, run by the daemon): one event subscription per
/// recorder, kept open (reconnected with backoff after a drop, a malformed stream or a recorder
/// that stops answering pings), and for each configured event the minutes around it exported
/// and archived through the nightly path (`Runner.fetchRange`) once the recorder has written them.
/// Whatever the configured events, it also stores the cameras' connections and recording
/// switched off or on (the reasons for gaps), and when a recorder reports storage trouble it
/// records a warning and runs that recorder at once (unless a run is going on).
public struct LiveWatch: Service {
    public let config: TSVaultConfiguration
    public let settings: TSVaultConfiguration.Live
    public let runner: Runner
    public let logger: Logger
    /// The daemon's state: metrics, storage warnings, and whether a run is going on.
    public var state: DaemonState?
    /// Waits between reconnection attempts: doubled after each failure up to the last.
    public var backoff: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(15), .seconds(60)]
    /// The client's ping period on the event socket (a silent recorder is noticed in about two).
    public var pingEvery: Duration = .seconds(15)

    public init(config: TSVaultConfiguration, settings: TSVaultConfiguration.Live, runner: Runner, logger: Logger) {
        self.config = config
        self.settings = settings
        self.runner = runner
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for server in config.servers { group.addTask { await watch(server) } }
            }
        }
    }

    /// The event socket topics: the statuses and system events always, motion when configured.
    var topics: [String] {
        ["channelStatus", "recordingStatus", "systemEvent"] + (settings.events.contains(.motion) ? ["motionChanges"] : [])
    }

    private func watch(_ server: TSVaultConfiguration.Server) async {
        let queue = LiveQueue(
            windows: LiveWindows(before: Double(settings.beforeSeconds), after: Double(settings.afterSeconds)))
        let (catchUps, requestCatchUp) = AsyncStream.makeStream(of: StorageEvent.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await listen(server, queue: queue, requestCatchUp: requestCatchUp)
                requestCatchUp.finish()
            }
            group.addTask { await exportDue(server, queue: queue) }
            group.addTask { for await trouble in catchUps { await catchUp(server, after: trouble, now: await queue.recorderNow()) } }
        }
    }

    /// Keeps the subscription open until cancelled.
    private func listen(
        _ server: TSVaultConfiguration.Server, queue: LiveQueue, requestCatchUp: AsyncStream<StorageEvent>.Continuation
    ) async {
        var failures = 0
        var attempts = 0
        while !Task.isCancelled {
            if attempts > 0 { state?.metrics.liveReconnected(server: server.name) }
            attempts += 1
            var settings = ConfigurationLoader.connection(server)
            runner.tuneConnection(&settings)
            // A connection that delivered anything resets the backoff.
            let heard = Mutex(false)
            do {
                try await TSAPIClient.withClient(settings, logger: logger) { client in
                    let zone = try client.timeZone(of: try await client.serverInfo())
                    let channels: [Int]? = if case .list(let list) = server.channels { list } else { nil }
                    try await client.withEventStream(topics: topics, channels: channels, zone: zone, pingEvery: pingEvery) { stream in
                        for try await item in stream.messages {
                            if !heard.withLock({ $0 }) { state?.metrics.liveConnected(server: server.name, true) }
                            heard.withLock { $0 = true }
                            await handle(item, server: server.name, queue: queue, requestCatchUp: requestCatchUp)
                        }
                    }
                }
                if Task.isCancelled { return }
                logger.notice("live: \(server.name) closed its event socket; reconnecting", metadata: ["server": "\(server.name)"])
            } catch is CancellationError {
                return
            } catch TSAPIError.notOnLegacyAPI(let name, let feature) {
                // Said once, not retried: reconnecting cannot give an old recorder an event socket.
                logger.warning("live: \(TSAPIError.notOnLegacyAPI(server: name, feature: feature))", metadata: ["server": "\(server.name)"])
                return
            } catch {
                logger.warning("live: \(server.name) event socket: \(error)", metadata: ["server": "\(server.name)"])
            }
            state?.metrics.liveConnected(server: server.name, false)
            if heard.withLock({ $0 }) { failures = 0 }
            let wait = backoff[min(failures, backoff.count - 1)]
            failures += 1
            try? await Task.sleep(for: wait)
        }
    }

    private func handle(
        _ item: EventStreamItem, server: String, queue: LiveQueue, requestCatchUp: AsyncStream<StorageEvent>.Continuation
    ) async {
        switch item {
        case .malformed(let error):
            logger.warning("live: \(server) sent an unreadable event: \(error)", metadata: ["server": "\(server)"])
        case .message(let message):
            if let at = message.recorderTime { await queue.saw(recorderTime: at) }
            let now = await queue.recorderNow()
            await store(message, server: server, now: now, requestCatchUp: requestCatchUp)
            guard let (channel, at) = trigger(message) else { return }
            let when = at ?? now
            state?.metrics.liveEvent(server: server)
            await queue.add(channel: channel, at: when)
            logger.notice(
                "live: \(server) CH\(channel) \(message.kindName) at \(ISO8601DateFormatter().string(from: when)); archiving around it",
                metadata: ["server": "\(server)", "channel": "\(channel)"])
        }
    }

    /// Stores a status change or a storage event. A failure to store is logged and left: the
    /// nightly run reads the same from the event log.
    private func store(
        _ message: LiveEventMessage, server: String, now: Date, requestCatchUp: AsyncStream<StorageEvent>.Continuation
    ) async {
        do {
            if let change = Self.statusChange(message, now: now) {
                try runner.archive.recordStatusChanges(server: server, [change])
            } else if case .system(_, let code, let name, let at) = message,
                let event = StorageWords.event(server: server, at: at ?? now, code: code, name: name)
            {
                guard try runner.archive.recordStorageEvent(event) else { return }
                // In the order the recorder said them: a warning and its end never swap.
                await state?.storage(event)
                guard event.trouble else { return }
                logger.warning(
                    "live: \(server) reported \"\(name)\": its footage is at risk; fetching what is missing now",
                    metadata: ["server": "\(server)"])
                requestCatchUp.yield(event)
            }
        } catch {
            logger.warning("live: \(server): cannot store what it reported: \(error)", metadata: ["server": "\(server)"])
        }
    }

    /// A status change a message tells, at the recorder's instant. A camera's current state
    /// (sent right after subscribing) is an observation; a recording state is taken from
    /// changes only, since a channel that records on events is "not recording" between them.
    static func statusChange(_ message: LiveEventMessage, now: Date) -> ChannelStatusChange? {
        switch message {
        case .channelStatus(let chid, let connected, _, _, let at, let current):
            ChannelStatusChange(
                channel: chid, atMicros: (at ?? now).unixMicros, change: connected ? .connected : .disconnected,
                source: current ? .observed : .eventSocket)
        case .recordingStatus(let chid, let recording, _, let failedAt, let at, false):
            ChannelStatusChange(
                channel: chid, atMicros: ((recording ? nil : failedAt) ?? at ?? now).unixMicros,
                change: recording ? .recordingStarted : .recordingStopped, source: .eventSocket)
        default: nil
        }
    }

    /// A run of this recorder alone, now (on its clock), after it reported storage trouble:
    /// what it holds may not last the night. Left to the run going on, if there is one.
    private func catchUp(_ server: TSVaultConfiguration.Server, after trouble: StorageEvent, now: Date) async {
        if await state?.running == true {
            logger.notice("live: \(server.name): a run is going on; it fetches what is missing", metadata: ["server": "\(server.name)"])
            return
        }
        state?.metrics.catchUp(server: server.name)
        do {
            let report = try await runner.only(server).run(now: now)
            logger.notice(
                "live: \(server.name): catch-up run \(report.runID) \(report.complete ? "complete" : "INCOMPLETE"), \(report.bytes) bytes",
                metadata: ["server": "\(server.name)", "run": "\(report.runID)"])
        } catch {
            logger.error("live: \(server.name): catch-up run failed: \(error)", metadata: ["server": "\(server.name)"])
        }
    }

    /// The channel and instant of an event the configuration asks for; nil for anything else
    /// (current-state messages included: they are no change).
    func trigger(_ message: LiveEventMessage) -> (channel: Int, at: Date?)? {
        switch message {
        case .motion(let chid, true, let at, false) where settings.events.contains(.motion): (chid, at)
        case .channelStatus(let chid, false, _, _, let at, false) where settings.events.contains(.disconnected): (chid, at)
        case .recordingStatus(let chid, false, _, let failedAt, let at, false) where settings.events.contains(.recordingStopped):
            (chid, failedAt ?? at)
        default: nil
        }
    }

    /// Exports the windows that are due, at most `maxExports` at once, until cancelled.
    private func exportDue(_ server: TSVaultConfiguration.Server, queue: LiveQueue) async {
        while !Task.isCancelled {
            let due = await queue.due(settle: Double(settings.settleSeconds), limit: settings.maxExports)
            await withTaskGroup(of: Void.self) { group in
                for window in due {
                    group.addTask {
                        do {
                            // Whole minutes: the recorder lists and the archive holds minutes.
                            let from = Date(timeIntervalSince1970: (window.start.timeIntervalSince1970 / 60).rounded(.down) * 60)
                            let to = Date(timeIntervalSince1970: (window.end.timeIntervalSince1970 / 60).rounded(.up) * 60)
                            let records = try await runner.fetchRange(server: server, channels: [window.channel], from: from, to: to)
                            let bytes = records.reduce(0) { $0 + $1.bytes }
                            let failed = records.contains { $0.status.leavesMinutesMissing }
                            let delay = await queue.recorderNow().timeIntervalSince(window.end)
                            state?.metrics.liveWindow(
                                server: server.name, bytes: bytes, failed: failed, delay: failed ? nil : .milliseconds(Int64(delay * 1000)))
                            logger.notice(
                                "live: \(server.name) CH\(window.channel) \(window.events) event(s): \(records.count) window(s), \(bytes) bytes archived",
                                metadata: ["server": "\(server.name)", "channel": "\(window.channel)"])
                        } catch {
                            state?.metrics.liveWindow(server: server.name, bytes: 0, failed: true, delay: nil)
                            logger.warning(
                                "live: \(server.name) CH\(window.channel): export failed (\(error)); the nightly run will fetch it",
                                metadata: ["server": "\(server.name)", "channel": "\(window.channel)"])
                        }
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// One recorder's pending live windows and its clock as the events tell it: recorder time is
/// wall time shifted by the latest offset seen (a recorder with a skewed or frozen clock too).
actor LiveQueue {
    private var windows: LiveWindows
    /// Recorder time minus wall time, the latest the messages showed; nil before the first.
    private var offset: TimeInterval?

    init(windows: LiveWindows) { self.windows = windows }

    func saw(recorderTime: Date) { offset = max(offset ?? -.infinity, recorderTime.timeIntervalSinceNow) }
    func recorderNow() -> Date { Date().addingTimeInterval(offset ?? 0) }
    func add(channel: Int, at: Date) { windows.add(channel: channel, at: at) }
    func due(settle: TimeInterval, limit: Int) -> [LiveWindows.Window] { windows.due(now: recorderNow(), settle: settle, limit: limit) }
}

extension LiveEventMessage {
    /// The recorder's instant the message carries, if any.
    var recorderTime: Date? {
        switch self {
        case .channelStatus(_, _, _, _, let at, _), .motion(_, _, let at, _), .system(_, _, _, let at): at
        case .recordingStatus(_, _, _, _, let at, _): at
        default: nil
        }
    }

    var kindName: String {
        switch self {
        case .motion: "motion"
        case .channelStatus: "camera disconnected"
        case .recordingStatus: "recording stopped"
        default: "event"
        }
    }
}
