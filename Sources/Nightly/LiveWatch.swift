import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TSAPI

/// Live watch (`live:` in the configuration, run by the daemon): one event subscription per
/// recorder, kept open (reconnected with backoff after a drop, a malformed stream or a recorder
/// that stops answering pings), and for each configured event the minutes around it exported
/// and archived through the nightly path (`Runner.fetchRange`) once the recorder has written them.
public struct LiveWatch: Service {
    public let config: TSVaultConfiguration
    public let settings: TSVaultConfiguration.Live
    public let runner: Runner
    public let logger: Logger
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

    /// The event socket topics the configured kinds need.
    var topics: [String] {
        settings.events.map {
            switch $0 {
            case .motion: "motionChanges"
            case .disconnected: "channelStatus"
            case .recordingStopped: "recordingStatus"
            }
        }
    }

    private func watch(_ server: TSVaultConfiguration.Server) async {
        let queue = LiveQueue(
            windows: LiveWindows(before: Double(settings.beforeSeconds), after: Double(settings.afterSeconds)))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listen(server, queue: queue) }
            group.addTask { await exportDue(server, queue: queue) }
        }
    }

    /// Keeps the subscription open until cancelled.
    private func listen(_ server: TSVaultConfiguration.Server, queue: LiveQueue) async {
        var failures = 0
        while !Task.isCancelled {
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
                            heard.withLock { $0 = true }
                            await handle(item, server: server.name, queue: queue)
                        }
                    }
                }
                if Task.isCancelled { return }
                logger.notice("live: \(server.name) closed its event socket; reconnecting", metadata: ["server": "\(server.name)"])
            } catch is CancellationError {
                return
            } catch {
                logger.warning("live: \(server.name) event socket: \(error)", metadata: ["server": "\(server.name)"])
            }
            if heard.withLock({ $0 }) { failures = 0 }
            let wait = backoff[min(failures, backoff.count - 1)]
            failures += 1
            try? await Task.sleep(for: wait)
        }
    }

    private func handle(_ item: EventStreamItem, server: String, queue: LiveQueue) async {
        switch item {
        case .malformed(let error):
            logger.warning("live: \(server) sent an unreadable event: \(error)", metadata: ["server": "\(server)"])
        case .message(let message):
            if let at = message.recorderTime { await queue.saw(recorderTime: at) }
            guard let (channel, at) = trigger(message) else { return }
            let when: Date
            if let at { when = at } else { when = await queue.recorderNow() }
            await queue.add(channel: channel, at: when)
            logger.notice(
                "live: \(server) CH\(channel) \(message.kindName) at \(ISO8601DateFormatter().string(from: when)); archiving around it",
                metadata: ["server": "\(server)", "channel": "\(channel)"])
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
                            logger.notice(
                                "live: \(server.name) CH\(window.channel) \(window.events) event(s): \(records.count) window(s), \(bytes) bytes archived",
                                metadata: ["server": "\(server.name)", "channel": "\(window.channel)"])
                        } catch {
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
