import GRDB

/// What a recorder said of its own storage in a system event: trouble (a disk error, a full
/// disk) puts its footage at risk before any night comes; a later event saying the storage is
/// ready again ends it.
public struct StorageEvent: Sendable, Hashable, Codable {
    public var server: String
    public var atMicros: Int64
    public var code: Int
    /// The recorder's name for it ("Storage error", "Disk full", "Storage ready").
    public var name: String
    public var trouble: Bool

    public init(server: String, atMicros: Int64, code: Int, name: String, trouble: Bool) {
        self.server = server
        self.atMicros = atMicros
        self.code = code
        self.name = name
        self.trouble = trouble
    }
}

extension Archive {
    /// Stores a storage event (once: the socket and the event log both tell it); returns
    /// whether it was new.
    @discardableResult
    public func recordStorageEvent(_ event: StorageEvent) throws -> Bool {
        try index.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO recorder_storage_events(server, at_us, code, name, trouble) VALUES (?, ?, ?, ?, ?)",
                arguments: [event.server, event.atMicros, event.code, event.name, event.trouble])
            return db.changesCount > 0
        }
    }

    /// Each recorder whose latest storage event is trouble, with that event.
    public func storageTrouble() throws -> [StorageEvent] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM recorder_storage_events e
                    WHERE e.id = (SELECT id FROM recorder_storage_events WHERE server = e.server ORDER BY at_us DESC, id DESC LIMIT 1)
                    AND e.trouble = 1 ORDER BY e.server
                    """
            ).map { row in
                StorageEvent(server: row["server"], atMicros: row["at_us"], code: row["code"], name: row["name"], trouble: true)
            }
        }
    }
}
