import Foundation
import GRDB

/// The SQLite index of the archive (GRDB, WAL, versioned migrations).
public struct ArchiveIndex: Sendable {
    @_spi(Backup) public let pool: DatabasePool

    public init(path: String) throws {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw ArchiveError.indexFailed("cannot open \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 servers, channels, blobs, exports, segments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE servers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                    CREATE TABLE channels (
                        id INTEGER PRIMARY KEY,
                        server_id INTEGER NOT NULL REFERENCES servers(id),
                        chid INTEGER NOT NULL,
                        UNIQUE(server_id, chid));
                    CREATE TABLE blobs (
                        sha256 TEXT PRIMARY KEY,
                        size INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        verified_at REAL,
                        verify_result TEXT);
                    CREATE TABLE exports (
                        id INTEGER PRIMARY KEY,
                        channel_id INTEGER NOT NULL REFERENCES channels(id),
                        source_name TEXT NOT NULL,
                        source_sha256 TEXT NOT NULL,
                        source_size INTEGER NOT NULL,
                        recorder_md5 TEXT,
                        time_source TEXT NOT NULL,
                        file_start_us INTEGER NOT NULL,
                        ingested_at REAL NOT NULL,
                        segments INTEGER NOT NULL,
                        new_segments INTEGER NOT NULL,
                        dropped_video_frames INTEGER NOT NULL,
                        dropped_audio_packets INTEGER NOT NULL,
                        holes INTEGER NOT NULL);
                    CREATE TABLE segments (
                        id INTEGER PRIMARY KEY,
                        channel_id INTEGER NOT NULL REFERENCES channels(id),
                        start_us INTEGER NOT NULL,
                        end_us INTEGER NOT NULL,
                        blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
                        container TEXT NOT NULL,
                        codec TEXT NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        frames INTEGER NOT NULL,
                        keyframes INTEGER NOT NULL,
                        audio_packets INTEGER NOT NULL,
                        export_id INTEGER NOT NULL REFERENCES exports(id),
                        UNIQUE(channel_id, start_us, blob_sha256));
                    CREATE INDEX segments_by_time ON segments(channel_id, start_us);
                    """)
        }
        migrator.registerMigration("v2 blob compression, export subtitles") { db in
            try db.execute(
                sql: """
                    ALTER TABLE blobs ADD COLUMN stored_size INTEGER;
                    ALTER TABLE blobs ADD COLUMN compression TEXT NOT NULL DEFAULT 'none';
                    UPDATE blobs SET stored_size = size;
                    ALTER TABLE exports ADD COLUMN subtitle_sha256 TEXT REFERENCES blobs(sha256);
                    """)
        }
        migrator.registerMigration("v3 runs, windows, recorder days, lost minutes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        status TEXT NOT NULL,
                        report_json TEXT);
                    CREATE TABLE run_windows (
                        id INTEGER PRIMARY KEY,
                        run_id INTEGER NOT NULL REFERENCES runs(id),
                        server TEXT NOT NULL,
                        channel INTEGER NOT NULL,
                        start_us INTEGER NOT NULL,
                        end_us INTEGER NOT NULL,
                        attempts INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        error TEXT,
                        bytes INTEGER NOT NULL,
                        files INTEGER NOT NULL);
                    CREATE TABLE recorder_days (
                        server TEXT NOT NULL,
                        channel INTEGER NOT NULL,
                        day TEXT NOT NULL,
                        start_us INTEGER NOT NULL,
                        bitmap TEXT NOT NULL,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (server, channel, day));
                    CREATE TABLE lost_minutes (
                        id INTEGER PRIMARY KEY,
                        run_id INTEGER NOT NULL REFERENCES runs(id),
                        server TEXT NOT NULL,
                        channel INTEGER NOT NULL,
                        day TEXT NOT NULL,
                        minutes INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v4 custody log, holds, recorder identity") { db in
            try db.execute(
                sql: """
                    CREATE TABLE custody_log (
                        id INTEGER PRIMARY KEY,
                        at REAL NOT NULL,
                        action TEXT NOT NULL,
                        case_id TEXT,
                        actor TEXT NOT NULL,
                        details TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL);
                    CREATE TABLE custody_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL, hash TEXT NOT NULL);
                    CREATE TABLE holds (
                        id INTEGER PRIMARY KEY,
                        case_id TEXT NOT NULL,
                        server TEXT NOT NULL,
                        channel INTEGER NOT NULL,
                        start_us INTEGER NOT NULL,
                        end_us INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        placed_at REAL NOT NULL,
                        placed_by TEXT NOT NULL,
                        released_at REAL,
                        release_reason TEXT,
                        released_by TEXT);
                    ALTER TABLE servers ADD COLUMN info_json TEXT;
                    ALTER TABLE channels ADD COLUMN title TEXT;
                    """)
        }
        migrator.registerMigration("v5 recorder events") { db in
            // The recorder's event log, kept for retention by events. System events (no
            // channel) are not stored: no footage belongs to them.
            try db.execute(
                sql: """
                    CREATE TABLE recorder_events (
                        id INTEGER PRIMARY KEY,
                        channel_id INTEGER NOT NULL REFERENCES channels(id),
                        recorder_event_id INTEGER NOT NULL,
                        type_name TEXT NOT NULL,
                        code_name TEXT NOT NULL,
                        begin_us INTEGER NOT NULL,
                        end_us INTEGER,
                        UNIQUE (channel_id, recorder_event_id, begin_us));
                    CREATE INDEX recorder_events_by_time ON recorder_events(channel_id, begin_us);
                    """)
        }
        migrator.registerMigration("v6 backup pushes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE backup_pushes (
                        id INTEGER PRIMARY KEY,
                        target_id TEXT NOT NULL,
                        label TEXT NOT NULL,
                        path TEXT NOT NULL,
                        at REAL NOT NULL,
                        snapshot TEXT NOT NULL,
                        snapshot_sha256 TEXT NOT NULL,
                        blobs INTEGER NOT NULL,
                        copied_blobs INTEGER NOT NULL,
                        copied_bytes INTEGER NOT NULL,
                        damaged_blobs INTEGER NOT NULL,
                        pruned_blobs INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v7 blob store") { db in
            // Where the blobs are when not in <root>/blobs: the store's location (`s3://bucket/prefix`)
            // and how to reach it (endpoint, region, secret references; never a secret).
            try db.execute(
                sql: """
                    CREATE TABLE blob_store (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        location TEXT NOT NULL,
                        settings TEXT NOT NULL);
                    """)
        }
        migrator.registerMigration("v8 store claim") { db in
            // The archive's claim on its store's prefix: a random id, the same in every copy of
            // the index (a restored archive keeps it), written to the bucket on first use.
            try db.execute(sql: "ALTER TABLE blob_store ADD COLUMN claim TEXT")
            try db.execute(sql: "UPDATE blob_store SET claim = lower(hex(randomblob(16)))")
        }
        migrator.registerMigration("v9 lost minutes placed") { db in
            // Which minutes were lost, not only how many: the recorder's bitmap of the day when
            // it was forgotten (lost = recorded there and not archived), for the coverage
            // picture. Rows written before this have neither and stay counts.
            try db.execute(sql: "ALTER TABLE lost_minutes ADD COLUMN start_us INTEGER")
            try db.execute(sql: "ALTER TABLE lost_minutes ADD COLUMN bitmap TEXT")
        }
        migrator.registerMigration("v10 channel status, recorder storage") { db in
            // Camera connections and recording switched off or on, as the recorder reported
            // them (event socket, event log): the reasons for the gaps it has (ChannelStatus);
            // and what it said of its own storage (RecorderStorage).
            try db.execute(
                sql: """
                    CREATE TABLE channel_status (
                        id INTEGER PRIMARY KEY,
                        channel_id INTEGER NOT NULL REFERENCES channels(id),
                        at_us INTEGER NOT NULL,
                        change TEXT NOT NULL,
                        source TEXT NOT NULL,
                        UNIQUE (channel_id, at_us, change));
                    CREATE INDEX channel_status_by_time ON channel_status(channel_id, at_us);
                    CREATE TABLE recorder_storage_events (
                        id INTEGER PRIMARY KEY,
                        server TEXT NOT NULL,
                        at_us INTEGER NOT NULL,
                        code INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        trouble INTEGER NOT NULL,
                        UNIQUE (server, at_us, code));
                    """)
        }
        migrator.registerMigration("v11 exports identified by the recorder's md5") { db in
            // A file downloaded with the recorder's md5 (checked over every byte) is identified
            // by it; its SHA-256 is no longer computed (issue 18), so source_sha256 may be NULL.
            // SQLite cannot drop NOT NULL in place: the table is rebuilt (GRDB defers the
            // foreign-key checks of segments.export_id to the end of the migration).
            try db.execute(
                sql: """
                    CREATE TABLE exports_v11 (
                        id INTEGER PRIMARY KEY,
                        channel_id INTEGER NOT NULL REFERENCES channels(id),
                        source_name TEXT NOT NULL,
                        source_sha256 TEXT,
                        source_size INTEGER NOT NULL,
                        recorder_md5 TEXT,
                        time_source TEXT NOT NULL,
                        file_start_us INTEGER NOT NULL,
                        ingested_at REAL NOT NULL,
                        segments INTEGER NOT NULL,
                        new_segments INTEGER NOT NULL,
                        dropped_video_frames INTEGER NOT NULL,
                        dropped_audio_packets INTEGER NOT NULL,
                        holes INTEGER NOT NULL,
                        subtitle_sha256 TEXT REFERENCES blobs(sha256),
                        CHECK (source_sha256 IS NOT NULL OR recorder_md5 IS NOT NULL));
                    INSERT INTO exports_v11 SELECT id, channel_id, source_name, source_sha256, source_size, recorder_md5,
                        time_source, file_start_us, ingested_at, segments, new_segments, dropped_video_frames,
                        dropped_audio_packets, holes, subtitle_sha256 FROM exports;
                    DROP TABLE exports;
                    ALTER TABLE exports_v11 RENAME TO exports;
                    """)
        }
        return migrator
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as ArchiveError { throw error } catch {
            throw ArchiveError.indexFailed("\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as ArchiveError { throw error } catch {
            throw ArchiveError.indexFailed("\(error)")
        }
    }

    /// The row id of a server's channel, created on first use.
    static func channelID(_ db: Database, server: String, chid: Int) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO servers(name) VALUES (?)", arguments: [server])
        let serverID = try Int64.fetchOne(db, sql: "SELECT id FROM servers WHERE name = ?", arguments: [server])!
        try db.execute(sql: "INSERT OR IGNORE INTO channels(server_id, chid) VALUES (?, ?)", arguments: [serverID, chid])
        return try Int64.fetchOne(db, sql: "SELECT id FROM channels WHERE server_id = ? AND chid = ?", arguments: [serverID, chid])!
    }
}
