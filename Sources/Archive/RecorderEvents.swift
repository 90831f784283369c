import Foundation
import GRDB

/// One channel event of a recorder's event log (`/api/v1/event/log`), as the archive keeps it
/// for retention by events.
public struct ArchivedEvent: Sendable, Codable, Hashable {
    public var channel: Int
    /// The recorder's event id; with the channel and begin time it identifies the event.
    public var recorderID: Int64
    public var typeName: String
    public var codeName: String
    public var beginMicros: Int64
    /// nil for an instant event.
    public var endMicros: Int64?

    public init(channel: Int, recorderID: Int64, typeName: String, codeName: String, beginMicros: Int64, endMicros: Int64?) {
        self.channel = channel
        self.recorderID = recorderID
        self.typeName = typeName
        self.codeName = codeName
        self.beginMicros = beginMicros
        self.endMicros = endMicros
    }
}

extension Archive {
    /// Stores the events not stored yet (a run fetches its whole look-back each night, so
    /// most are known); returns how many were new.
    @discardableResult
    public func recordEvents(server: String, _ events: [ArchivedEvent]) throws -> Int {
        try index.write { db in
            var added = 0
            var channelIDs: [Int: Int64] = [:]
            for e in events {
                let channelID = try channelIDs[e.channel] ?? ArchiveIndex.channelID(db, server: server, chid: e.channel)
                channelIDs[e.channel] = channelID
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO recorder_events(channel_id, recorder_event_id, type_name, code_name, begin_us, end_us)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [channelID, e.recorderID, e.typeName, e.codeName, e.beginMicros, e.endMicros])
                added += db.changesCount
            }
            return added
        }
    }

    /// A channel's stored events, oldest first.
    public func events(server: String, channel: Int) throws -> [ArchivedEvent] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM recorder_events e JOIN channels c ON c.id = e.channel_id JOIN servers v ON v.id = c.server_id
                    WHERE v.name = ? AND c.chid = ? ORDER BY e.begin_us, e.recorder_event_id
                    """, arguments: [server, channel]
            ).map { row in
                ArchivedEvent(
                    channel: channel, recorderID: row["recorder_event_id"], typeName: row["type_name"],
                    codeName: row["code_name"], beginMicros: row["begin_us"], endMicros: row["end_us"])
            }
        }
    }
}
