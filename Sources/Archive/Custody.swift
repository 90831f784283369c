import Crypto
import Foundation
import GRDB
import HexDigest

/// One entry of the append-only custody log.
public struct CustodyEntry: Sendable, Codable, Hashable {
    public var id: Int64
    public var at: Date
    /// `extract`, `verify`, `hold-add`, `hold-release`, `evidence-verify`.
    public var action: String
    public var caseID: String?
    public var actor: String
    /// JSON text with what the action touched (files, hashes, ranges, reasons).
    public var details: String
    public var previousHash: String
    public var hash: String
}

/// Where the chain is broken, if anywhere.
public struct CustodyCheck: Sendable, Codable, Hashable {
    public var entries: Int
    public var problems: [String]
    public var intact: Bool { problems.isEmpty }
}

extension Archive {
    static let genesisHash = String(repeating: "0", count: 64)

    /// Appends an entry whose hash covers the previous entry's hash, so editing or deleting
    /// any entry breaks every hash after it; the head row catches a deleted last entry.
    @discardableResult
    public func appendCustody(action: String, caseID: String?, actor: String, details: [String: String]) throws -> CustodyEntry {
        try index.write { db in try Self.appendCustody(db, action: action, caseID: caseID, actor: actor, details: details) }
    }

    /// The same inside a transaction the caller holds, so an action and its custody entry
    /// commit together (retention deletes segments and logs them atomically).
    static func appendCustody(
        _ db: Database, action: String, caseID: String?, actor: String, details: [String: String]
    ) throws -> CustodyEntry {
        let detailsJSON = String(decoding: try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]), as: UTF8.self)
        let previous = try String.fetchOne(db, sql: "SELECT hash FROM custody_log ORDER BY id DESC LIMIT 1") ?? Self.genesisHash
        let at = Date()
        let nextID = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM custody_log") ?? 0) + 1
        var entry = CustodyEntry(
            id: nextID, at: at, action: action, caseID: caseID, actor: actor, details: detailsJSON,
            previousHash: previous, hash: "")
        entry.hash = Self.custodyHash(entry)
        try db.execute(
            sql: """
                INSERT INTO custody_log(id, at, action, case_id, actor, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.id, at.timeIntervalSince1970, action, caseID, actor, detailsJSON, previous, entry.hash])
        try db.execute(
            sql:
                "INSERT INTO custody_head(id, last_id, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
            arguments: [entry.id, entry.hash])
        return entry
    }

    static func custodyHash(_ e: CustodyEntry) -> String {
        let text = [
            e.previousHash, String(e.id), String(format: "%.6f", e.at.timeIntervalSince1970), e.action, e.caseID ?? "", e.actor, e.details
        ]
        .joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(text.utf8)).lowercaseHex
    }

    public func custodyEntries(caseID: String? = nil) throws -> [CustodyEntry] {
        try index.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM custody_log ORDER BY id").map {
                CustodyEntry(
                    id: $0["id"], at: Date(timeIntervalSince1970: $0["at"]), action: $0["action"], caseID: $0["case_id"],
                    actor: $0["actor"], details: $0["details"], previousHash: $0["prev_hash"], hash: $0["hash"])
            }
        }.filter { caseID == nil || $0.caseID == caseID }
    }

    /// Recomputes the whole chain.
    public func checkCustody() throws -> CustodyCheck {
        let entries = try custodyEntries()
        var problems: [String] = []
        var previous = Self.genesisHash
        var expectedID: Int64 = 1
        for e in entries {
            if e.id != expectedID {
                problems.append("entry \(expectedID)\(e.id > expectedID + 1 ? "–\(e.id - 1)" : "") is missing (deleted)")
            }
            if e.previousHash != previous { problems.append("entry \(e.id) does not follow the entry before it") }
            if Self.custodyHash(e) != e.hash { problems.append("entry \(e.id) was changed after it was written") }
            previous = e.hash
            expectedID = e.id + 1
        }
        let head = try index.read { db in try Row.fetchOne(db, sql: "SELECT last_id, hash FROM custody_head WHERE id = 1") }
        if let head {
            let lastID: Int64 = head["last_id"]
            let hash: String = head["hash"]
            if entries.last?.id != lastID || entries.last?.hash != hash {
                problems.append("the log ends before its last entry \(lastID) (deleted or changed)")
            }
        } else if !entries.isEmpty {
            problems.append("the log's head record is missing")
        }
        return CustodyCheck(entries: entries.count, problems: problems)
    }
}

/// A legal hold on a channel's time range; retention must never remove held segments.
public struct Hold: Sendable, Encodable, Hashable {
    public var id: Int64
    public var caseID: String
    public var server: String
    public var channel: Int
    public var startMicros: Int64
    public var endMicros: Int64
    public var reason: String
    public var placedAt: Date
    public var placedBy: String
    public var releasedAt: Date?
    public var releaseReason: String?

    public init(
        id: Int64, caseID: String, server: String, channel: Int, startMicros: Int64, endMicros: Int64, reason: String,
        placedAt: Date, placedBy: String, releasedAt: Date? = nil, releaseReason: String? = nil
    ) {
        self.id = id
        self.caseID = caseID
        self.server = server
        self.channel = channel
        self.startMicros = startMicros
        self.endMicros = endMicros
        self.reason = reason
        self.placedAt = placedAt
        self.placedBy = placedBy
        self.releasedAt = releasedAt
        self.releaseReason = releaseReason
    }
}

extension Archive {
    @discardableResult
    public func addHold(
        caseID: String, server: String, channel: Int, startMicros: Int64, endMicros: Int64, reason: String, actor: String
    ) throws -> Hold {
        let id = try index.write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO holds(case_id, server, channel, start_us, end_us, reason, placed_at, placed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [caseID, server, channel, startMicros, endMicros, reason, Date().timeIntervalSince1970, actor])
            return db.lastInsertedRowID
        }
        try appendCustody(
            action: "hold-add", caseID: caseID, actor: actor,
            details: [
                "hold": String(id), "server": server, "channel": String(channel), "startMicros": String(startMicros),
                "endMicros": String(endMicros), "reason": reason
            ])
        return try holds(includeReleased: true).first { $0.id == id }!
    }

    public func releaseHold(_ id: Int64, reason: String, actor: String) throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ArchiveError.invalidInput("releasing a hold needs a reason")
        }
        guard let hold = try holds(includeReleased: false).first(where: { $0.id == id }) else {
            throw ArchiveError.invalidInput("no active hold \(id)")
        }
        try index.write { db in
            try db.execute(
                sql: "UPDATE holds SET released_at = ?, release_reason = ?, released_by = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, reason, actor, id])
        }
        try appendCustody(action: "hold-release", caseID: hold.caseID, actor: actor, details: ["hold": String(id), "reason": reason])
    }

    public func holds(includeReleased: Bool) throws -> [Hold] {
        try index.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM holds ORDER BY id").map {
                Hold(
                    id: $0["id"], caseID: $0["case_id"], server: $0["server"], channel: $0["channel"], startMicros: $0["start_us"],
                    endMicros: $0["end_us"], reason: $0["reason"], placedAt: Date(timeIntervalSince1970: $0["placed_at"]),
                    placedBy: $0["placed_by"], releasedAt: ($0["released_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    releaseReason: $0["release_reason"])
            }
        }.filter { includeReleased || $0.releasedAt == nil }
    }

    /// Whether an active hold covers any part of a segment (for retention).
    public func isHeld(server: String, channel: Int, startMicros: Int64, endMicros: Int64) throws -> Bool {
        try holds(includeReleased: false).contains {
            $0.server == server && $0.channel == channel && $0.startMicros < endMicros && $0.endMicros > startMicros
        }
    }

    /// Remembers what the recorder said about itself and its channels, for evidence manifests.
    public func recordRecorderIdentity(server: String, infoJSON: String, channelTitles: [Int: String]) throws {
        try index.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO servers(name) VALUES (?)", arguments: [server])
            try db.execute(sql: "UPDATE servers SET info_json = ? WHERE name = ?", arguments: [infoJSON, server])
            for (chid, title) in channelTitles {
                let id = try ArchiveIndex.channelID(db, server: server, chid: chid)
                try db.execute(sql: "UPDATE channels SET title = ? WHERE id = ?", arguments: [title, id])
            }
        }
    }

    public func recorderIdentity(server: String) throws -> (infoJSON: String?, titles: [Int: String]) {
        try index.read { db in
            let info = try String.fetchOne(db, sql: "SELECT info_json FROM servers WHERE name = ?", arguments: [server])
            var titles: [Int: String] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT channels.chid AS chid, channels.title AS title FROM channels JOIN servers ON servers.id = channels.server_id
                    WHERE servers.name = ? AND channels.title IS NOT NULL
                    """, arguments: [server])
            {
                titles[row["chid"]] = row["title"]
            }
            return (info, titles)
        }
    }

    /// The recorder md5 and file name of the export a segment first came from.
    public func segmentSource(sha256: String) throws -> (exportFile: String?, recorderMD5: String?) {
        try index.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT exports.source_name AS name, exports.recorder_md5 AS md5 FROM segments JOIN exports ON exports.id = segments.export_id
                    WHERE segments.blob_sha256 = ? ORDER BY segments.id LIMIT 1
                    """, arguments: [sha256])
            return (row?["name"], row?["md5"])
        }
    }
}

extension Hold {
    private enum CodingKeys: String, CodingKey {
        case id, caseID, server, channel, start, end, reason, placedAt, placedBy, releasedAt, releaseReason
    }

    /// The held range as instants (`start`, `end`), like every other range a script reads.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(server, forKey: .server)
        try c.encode(channel, forKey: .channel)
        try c.encode(Date(unixMicros: startMicros), forKey: .start)
        try c.encode(Date(unixMicros: endMicros), forKey: .end)
        try c.encode(reason, forKey: .reason)
        try c.encode(placedAt, forKey: .placedAt)
        try c.encode(placedBy, forKey: .placedBy)
        try c.encodeIfPresent(releasedAt, forKey: .releasedAt)
        try c.encodeIfPresent(releaseReason, forKey: .releaseReason)
    }
}
