import GRDB

/// Why a recorder has no footage for a while, as it told tsvault: a camera that disconnected,
/// recording switched off. Learnt from the recorder's event socket (live watch) and its event
/// log (every nightly run), stored as changes, and turned into spans by a pure function so
/// that coverage, the HTML report and the run report give the same reasons.

/// A change of one channel's connection or recording, as the recorder reported it.
public enum StatusChange: String, Sendable, Codable, CaseIterable {
    case disconnected, connected, recordingStopped, recordingStarted

    /// Connection and recording are two separate states of a channel.
    enum Family { case connection, recording }

    var family: Family {
        switch self {
        case .disconnected, .connected: .connection
        case .recordingStopped, .recordingStarted: .recording
        }
    }

    /// Whether this change starts a span without recording.
    var opensGap: Bool { self == .disconnected || self == .recordingStopped }
}

/// Where a change was learnt. An observation (the state a recorder sends right after a
/// subscription) is no change: it is stored only where it tells something new.
public enum StatusSource: String, Sendable, Codable {
    case eventSocket, eventLog, observed
}

public struct ChannelStatusChange: Sendable, Hashable {
    public var channel: Int
    public var atMicros: Int64
    public var change: StatusChange
    public var source: StatusSource

    public init(channel: Int, atMicros: Int64, change: StatusChange, source: StatusSource) {
        self.channel = channel
        self.atMicros = atMicros
        self.change = change
        self.source = source
    }
}

/// The reason a gap has, in the words reports print.
public enum GapReason: String, Sendable, Codable, CaseIterable {
    case cameraDisconnected = "camera disconnected"
    case recordingOff = "recording off"
}

/// A span in which the recorder says the channel did not record, [start, end); `end` is nil
/// while it had not changed back when last heard.
public struct StatusGap: Sendable, Hashable, Codable {
    public var reason: GapReason
    public var startMicros: Int64
    public var endMicros: Int64?

    public init(reason: GapReason, startMicros: Int64, endMicros: Int64?) {
        self.reason = reason
        self.startMicros = startMicros
        self.endMicros = endMicros
    }

    func overlaps(_ from: Int64, _ to: Int64) -> Bool { startMicros < to && (endMicros ?? .max) > from }
}

public enum StatusGaps {
    /// The spans a channel's changes describe, oldest first. A span opens at the first change
    /// that stops recording and closes at the next that starts it again; repeats in between
    /// (the same change heard on the socket and read from the log, a few milliseconds apart)
    /// change nothing. Recording off while the camera is disconnected is explained by the
    /// disconnection, so only its remainder is given as "recording off".
    public static func gaps(_ changes: [ChannelStatusChange]) -> [StatusGap] {
        let ordered = changes.sorted { ($0.atMicros, $0.change.opensGap ? 0 : 1) < ($1.atMicros, $1.change.opensGap ? 0 : 1) }
        let disconnected = spans(ordered.filter { $0.change.family == .connection }, reason: .cameraDisconnected)
        let recordingOff = spans(ordered.filter { $0.change.family == .recording }, reason: .recordingOff)
            .flatMap { subtract(disconnected, from: $0) }
        return (disconnected + recordingOff).sorted { $0.startMicros < $1.startMicros }
    }

    private static func spans(_ changes: [ChannelStatusChange], reason: GapReason) -> [StatusGap] {
        var result: [StatusGap] = []
        var openedAt: Int64?
        for change in changes {
            switch (change.change.opensGap, openedAt) {
            case (true, nil): openedAt = change.atMicros
            case (false, let start?):
                if change.atMicros > start { result.append(StatusGap(reason: reason, startMicros: start, endMicros: change.atMicros)) }
                openedAt = nil
            default: break
            }
        }
        if let openedAt { result.append(StatusGap(reason: reason, startMicros: openedAt, endMicros: nil)) }
        return result
    }

    /// The parts of `gap` no span of `covering` (sorted, disjoint) overlaps.
    private static func subtract(_ covering: [StatusGap], from gap: StatusGap) -> [StatusGap] {
        var pieces: [StatusGap] = []
        var start = gap.startMicros
        let end = gap.endMicros ?? .max
        for cover in covering where cover.startMicros < end && (cover.endMicros ?? .max) > start {
            if cover.startMicros > start { pieces.append(StatusGap(reason: gap.reason, startMicros: start, endMicros: cover.startMicros)) }
            start = max(start, cover.endMicros ?? .max)
        }
        if start < end { pieces.append(StatusGap(reason: gap.reason, startMicros: start, endMicros: gap.endMicros)) }
        return pieces
    }
}

extension Archive {
    /// How far before a span the changes are read to know the state at its start: a camera
    /// disconnected for longer than this before the span is not placed in it.
    static let statusLookBackMicros: Int64 = 31 * 86_400_000_000

    /// Stores the changes not stored yet; an observation only where it differs from the state
    /// the stored changes give at that instant (so that a reconnecting watch does not add a
    /// "connected" each time). Returns how many were new.
    @discardableResult
    public func recordStatusChanges(server: String, _ changes: [ChannelStatusChange]) throws -> Int {
        try index.write { db in
            var added = 0
            var channelIDs: [Int: Int64] = [:]
            for change in changes {
                let channelID = try channelIDs[change.channel] ?? ArchiveIndex.channelID(db, server: server, chid: change.channel)
                channelIDs[change.channel] = channelID
                if change.source == .observed {
                    let family = StatusChange.allCases.filter { $0.family == change.change.family }.map(\.rawValue)
                    let latest = try String.fetchOne(
                        db,
                        sql: """
                            SELECT change FROM channel_status WHERE channel_id = ? AND at_us <= ? AND change IN (?, ?)
                            ORDER BY at_us DESC, id DESC LIMIT 1
                            """, arguments: [channelID, change.atMicros, family[0], family[1]]
                    ).flatMap(StatusChange.init(rawValue:))
                    guard (latest?.opensGap ?? false) != change.change.opensGap else { continue }
                }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO channel_status(channel_id, at_us, change, source) VALUES (?, ?, ?, ?)",
                    arguments: [channelID, change.atMicros, change.change.rawValue, change.source.rawValue])
                added += db.changesCount
            }
            return added
        }
    }

    /// The spans in which the recorder says the channel did not record that overlap
    /// [from, to), oldest first (`StatusGaps`).
    public func statusGaps(server: String, channel: Int, fromMicros: Int64, toMicros: Int64) throws -> [StatusGap] {
        let changes = try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.at_us, s.change, s.source FROM channel_status s
                    JOIN channels c ON c.id = s.channel_id JOIN servers v ON v.id = c.server_id
                    WHERE v.name = ? AND c.chid = ? AND s.at_us >= ? AND s.at_us < ? ORDER BY s.at_us, s.id
                    """, arguments: [server, channel, fromMicros - Self.statusLookBackMicros, toMicros]
            ).compactMap { row -> ChannelStatusChange? in
                guard let change = StatusChange(rawValue: row["change"]), let source = StatusSource(rawValue: row["source"]) else {
                    return nil
                }
                return ChannelStatusChange(channel: channel, atMicros: row["at_us"], change: change, source: source)
            }
        }
        return StatusGaps.gaps(changes).filter { $0.overlaps(fromMicros, toMicros) }
    }
}
