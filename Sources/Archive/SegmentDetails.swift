import Foundation
import GRDB

/// An archived segment with what an investigator asks of it: its blob's size and hash, and
/// the recorder export it was cut from.
public struct SegmentDetail: Sendable, Hashable {
    public var startMicros: Int64
    public var endMicros: Int64
    public var bytes: Int64
    public var sha256: String
    public var exportID: Int64
}

/// A recorder export file as ingested.
public struct ExportRecord: Sendable, Hashable {
    public var id: Int64
    public var sourceName: String
    /// Absent when the recorder's md5 identifies the file (see `SourceIdentity.recorderMD5`).
    public var sourceSHA256: String?
    public var recorderMD5: String?
    public var fileStartMicros: Int64
    public var ingestedAt: Date
}

extension Archive {
    /// The segments of a channel overlapping [from, to), in time order.
    public func segmentDetails(server: String, channel: Int, from: Int64, to: Int64) throws -> [SegmentDetail] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT segments.start_us AS s, segments.end_us AS e, blobs.size AS bytes, segments.blob_sha256 AS sha,
                           segments.export_id AS export
                    FROM segments JOIN blobs ON blobs.sha256 = segments.blob_sha256
                    JOIN channels ON channels.id = segments.channel_id JOIN servers ON servers.id = channels.server_id
                    WHERE servers.name = ? AND channels.chid = ? AND segments.end_us > ? AND segments.start_us < ?
                    ORDER BY segments.start_us, segments.id
                    """, arguments: [server, channel, from, to]
            ).map { SegmentDetail(startMicros: $0["s"], endMicros: $0["e"], bytes: $0["bytes"], sha256: $0["sha"], exportID: $0["export"]) }
        }
    }

    /// How many segments overlap [from, to) (of one server's channel, or all).
    public func segmentCount(server: String?, channel: Int?, from: Int64, to: Int64) throws -> Int {
        try index.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM segments JOIN channels ON channels.id = segments.channel_id
                    JOIN servers ON servers.id = channels.server_id
                    WHERE (? IS NULL OR servers.name = ?) AND (? IS NULL OR channels.chid = ?) AND segments.end_us > ? AND segments.start_us < ?
                    """, arguments: [server, server, channel, channel, from, to]) ?? 0
        }
    }

    /// The exports with these ids.
    public func exportRecords(ids: Set<Int64>) throws -> [ExportRecord] {
        guard !ids.isEmpty else { return [] }
        return try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, source_name, source_sha256, recorder_md5, file_start_us, ingested_at FROM exports
                    WHERE id IN (\(ids.sorted().map(String.init).joined(separator: ","))) ORDER BY id
                    """
            ).map {
                ExportRecord(
                    id: $0["id"], sourceName: $0["source_name"], sourceSHA256: $0["source_sha256"], recorderMD5: $0["recorder_md5"],
                    fileStartMicros: $0["file_start_us"], ingestedAt: Date(timeIntervalSince1970: $0["ingested_at"]))
            }
        }
    }
}

extension Archive {
    /// Every channel the archive holds footage of or has asked the recorder about, by server
    /// and channel number.
    public func knownChannels() throws -> [(server: String, channel: Int)] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT servers.name AS server, channels.chid AS channel FROM channels JOIN servers ON servers.id = channels.server_id
                    UNION SELECT server, channel FROM recorder_days ORDER BY server, channel
                    """
            ).map { (server: $0["server"] as String, channel: $0["channel"] as Int) }
        }
    }
}
