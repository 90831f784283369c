import Foundation
import GRDB

/// What became of one export window in a run. The raw values are the stored form.
public enum WindowStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case archived
    /// The recorder had nothing for the window after all.
    case noData = "no-data"
    case failed
    /// The local archive failed (disk full, I/O or index error).
    case archiveFailed = "archive-failed"
    /// Not started: the run window closed, a shutdown, or the archive failed earlier.
    case notStarted = "not-started"

    /// Whether the minutes the window was for may still be missing after it.
    public var leavesMinutesMissing: Bool { self != .archived && self != .noData }
}

/// A run's state in the ledger. The raw values are the stored form.
public enum RunStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case running, complete, incomplete
}

/// One export window's fate in a run.
public struct WindowRecord: Sendable, Codable, Hashable {
    public var server: String
    public var channel: Int
    public var startMicros: Int64
    public var endMicros: Int64
    public var attempts: Int
    public var status: WindowStatus
    public var error: String?
    public var bytes: Int64
    public var files: Int

    public init(
        server: String, channel: Int, startMicros: Int64, endMicros: Int64, attempts: Int, status: WindowStatus,
        error: String?, bytes: Int64, files: Int
    ) {
        self.server = server
        self.channel = channel
        self.startMicros = startMicros
        self.endMicros = endMicros
        self.attempts = attempts
        self.status = status
        self.error = error
        self.bytes = bytes
        self.files = files
    }
}

public struct RunSummary: Sendable, Codable, Hashable {
    public var id: Int64
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: RunStatus
}

/// One local day of a channel as the recorder listed it: which minutes hold recordings.
public struct RecorderDay: Sendable, Codable, Hashable {
    public var day: String
    public var startMicros: Int64
    public var recorded: [Bool]

    public init(day: String, startMicros: Int64, recorded: [Bool]) {
        self.day = day
        self.startMicros = startMicros
        self.recorded = recorded
    }
}

/// Lost footage: recorded minutes the recorder no longer holds and the archive never got.
public struct LostDay: Sendable, Codable, Hashable {
    public var server: String
    public var channel: Int
    public var day: String
    public var minutes: Int

    public init(server: String, channel: Int, day: String, minutes: Int) {
        self.server = server
        self.channel = channel
        self.day = day
        self.minutes = minutes
    }
}

/// Runs, their windows and the lost-minutes ledger, in the archive's index.
extension Archive {
    public func startRun() throws -> Int64 {
        try index.write { db in
            try db.execute(sql: "INSERT INTO runs(started_at, status) VALUES (?, 'running')", arguments: [Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func record(window: WindowRecord, run: Int64) throws {
        try index.write { db in
            try db.execute(
                sql: """
                    INSERT INTO run_windows(run_id, server, channel, start_us, end_us, attempts, status, error, bytes, files)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run, window.server, window.channel, window.startMicros, window.endMicros, window.attempts,
                    window.status.rawValue, window.error, window.bytes, window.files
                ])
        }
    }

    public func finishRun(_ run: Int64, status: RunStatus, reportJSON: String) throws {
        try index.write { db in
            try db.execute(
                sql: "UPDATE runs SET finished_at = ?, status = ?, report_json = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, status.rawValue, reportJSON, run])
        }
    }

    /// Replaces a finished run's stored report: the nightly job adds what the steps after the
    /// export run did, once they are done.
    public func updateRunReport(_ run: Int64, reportJSON: String) throws {
        try index.write { db in
            try db.execute(sql: "UPDATE runs SET report_json = ? WHERE id = ?", arguments: [reportJSON, run])
        }
    }

    public func runs(limit: Int = 50) throws -> [RunSummary] {
        try index.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                RunSummary(
                    id: $0["id"], startedAt: Date(timeIntervalSince1970: $0["started_at"]),
                    finishedAt: ($0["finished_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    status: RunStatus(rawValue: $0["status"]) ?? .incomplete)
            }
        }
    }

    public func runReportJSON(_ run: Int64) throws -> String? {
        try index.read { db in try String.fetchOne(db, sql: "SELECT report_json FROM runs WHERE id = ?", arguments: [run]) }
    }

    public func windows(ofRun run: Int64) throws -> [WindowRecord] {
        try index.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_windows WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                WindowRecord(
                    server: $0["server"], channel: $0["channel"], startMicros: $0["start_us"], endMicros: $0["end_us"],
                    attempts: $0["attempts"], status: WindowStatus(rawValue: $0["status"]) ?? .failed, error: $0["error"],
                    bytes: $0["bytes"], files: $0["files"])
            }
        }
    }

    /// What the recorder listed of a channel at earlier runs, oldest first.
    public func recorderDays(server: String, channel: Int) throws -> [RecorderDay] {
        try index.read { db in
            try Row.fetchAll(
                db, sql: "SELECT day, start_us, bitmap FROM recorder_days WHERE server = ? AND channel = ? ORDER BY start_us",
                arguments: [server, channel]
            ).map {
                RecorderDay(day: $0["day"], startMicros: $0["start_us"], recorded: ($0["bitmap"] as String).map { $0 == "1" })
            }
        }
    }

    /// In one transaction: records `lost` in the lost-minutes ledger, forgets the days in
    /// `forgetting`, and remembers what the recorder holds of the channel now.
    public func updateRecorderDays(
        server: String, channel: Int, current: [RecorderDay], forgetting: [String], lost: [LostDay],
        run: Int64
    ) throws {
        try index.write { db in
            for day in lost {
                // The day's last known bitmap goes with the count (read before it is forgotten below).
                let remembered = try Row.fetchOne(
                    db, sql: "SELECT start_us, bitmap FROM recorder_days WHERE server = ? AND channel = ? AND day = ?",
                    arguments: [day.server, day.channel, day.day])
                try db.execute(
                    sql: "INSERT INTO lost_minutes(run_id, server, channel, day, minutes, start_us, bitmap) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        run, day.server, day.channel, day.day, day.minutes, remembered?["start_us"] as Int64?,
                        remembered?["bitmap"] as String?
                    ])
            }
            for day in forgetting {
                try db.execute(
                    sql: "DELETE FROM recorder_days WHERE server = ? AND channel = ? AND day = ?", arguments: [server, channel, day])
            }
            for day in current {
                try db.execute(
                    sql: """
                        INSERT INTO recorder_days(server, channel, day, start_us, bitmap, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(server, channel, day) DO UPDATE SET bitmap = excluded.bitmap, updated_at = excluded.updated_at
                        """,
                    arguments: [
                        server, channel, day.day, day.startMicros, String(day.recorded.map { $0 ? "1" : "0" }),
                        Date().timeIntervalSince1970
                    ])
            }
        }
    }
}
