import Foundation
import GRDB
import Logging
import Remux

/// What one ingest did.
public struct IngestResult: Sendable, Encodable, Hashable {
    public var exportID: Int64
    public var segments: Int
    public var newSegments: Int
    public var newBlobs: Int
    public var bytesStored: Int64
    public var timeSource: TimeSource
    public var startMicros: Int64?
    public var endMicros: Int64?
    public var droppedVideoFrames: Int
    public var droppedAudioPackets: Int
    public var holes: Int

    private enum CodingKeys: String, CodingKey {
        case exportID, segments, newSegments, newBlobs, bytesStored, timeSource, start, end, droppedVideoFrames
        case droppedAudioPackets, holes
    }

    /// The file's span as instants (`start`, `end`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(exportID, forKey: .exportID)
        try c.encode(segments, forKey: .segments)
        try c.encode(newSegments, forKey: .newSegments)
        try c.encode(newBlobs, forKey: .newBlobs)
        try c.encode(bytesStored, forKey: .bytesStored)
        try c.encode(timeSource, forKey: .timeSource)
        try c.encodeIfPresent(startMicros.map(Date.init(unixMicros:)), forKey: .start)
        try c.encodeIfPresent(endMicros.map(Date.init(unixMicros:)), forKey: .end)
        try c.encode(droppedVideoFrames, forKey: .droppedVideoFrames)
        try c.encode(droppedAudioPackets, forKey: .droppedAudioPackets)
        try c.encode(holes, forKey: .holes)
    }
}

/// How an ingest identifies the file its segments came from (`exports.source_sha256`).
public enum SourceIdentity: Sendable, Hashable {
    /// Hash the file with SHA-256 while the demuxer reads it (a local file).
    case hashWhileReading
    /// The SHA-256 is already known (hashed while downloading, or given by the operator).
    case sha256(String)
    /// The recorder's md5, checked over every byte as it was downloaded, identifies the file:
    /// no SHA-256 of it is computed (a full hash pass saved per export; issue 18). Without an
    /// md5 to rely on, the ingest hashes the file after all.
    case recorderMD5
}

/// A recording cut into segments in the work directory, not stored yet.
struct SegmentedFile: Sendable {
    var name: String
    var size: Int64
    var start: Int64
    var timeSource: TimeSource
    var segments: [SegmentInfo]
    var report: SegmentationReport
}

/// Ingest: a recording becomes canonical one-minute segments, stored by SHA-256 and indexed in one transaction.
extension Archive {
    /// Cuts `file` into canonical segments, stores each blob durably, then records the
    /// export and its segments in one transaction. A failure leaves the index untouched.
    public func ingest(
        file: String, server: String, channel: Int, start: Date? = nil, subtitle: String? = nil,
        recorderZone: TimeZone? = nil, recorderMD5: String? = nil, source: SourceIdentity = .hashWhileReading
    ) async throws -> IngestResult {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw ArchiveError.invalidInput("cannot read \(file)")
        }
        let (fileStart, timeSource) = try StartTime.resolve(path: file, given: start, subtitle: subtitle, recorderZone: recorderZone)
        let identity = recorderMD5 == nil && source == .recorderMD5 ? .hashWhileReading : source
        return try await StoreLock.holding(root, .shared) {
            try await ingestLocked(
                file: file, fileStart: fileStart, timeSource: timeSource, server: server, channel: channel, subtitle: subtitle,
                recorderMD5: recorderMD5, identity: identity)
        }
    }

    private func ingestLocked(
        file: String, fileStart: Int64, timeSource: TimeSource, server: String, channel: Int, subtitle: String?,
        recorderMD5: String?, identity: SourceIdentity
    ) async throws -> IngestResult {
        let work = root + "/tmp/ingest-\(getpid())-\(UUID().uuidString)"
        try FileSystem.makeDirectory(work)
        defer { try? FileManager.default.removeItem(atPath: work) }

        // One read of the input: the demuxer's reads also feed the source hash (skipped when
        // the file is already identified). Cutting is blocking work (libavformat,
        // hashing): it runs on the ingest queue, off Swift's cooperative threads.
        let (segments, report): ([SegmentInfo], SegmentationReport)
        do {
            let segmentSeconds = self.segmentSeconds
            (segments, report) = try await IngestQueue.shared.run {
                try Self.segment(
                    file: file, fileStart: fileStart, segmentSeconds: segmentSeconds, work: work,
                    hashSource: identity == .hashWhileReading)
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.unreadableMedia(path: file, detail: "\(error)")
        }
        let sourceSHA: String? =
            switch identity {
            case .sha256(let known): known
            case .hashWhileReading: report.sourceSHA256
            case .recorderMD5: nil
            }
        let cut = SegmentedFile(
            name: (file as NSString).lastPathComponent, size: try report.sourceSize ?? fileSize(file), start: fileStart,
            timeSource: timeSource, segments: segments, report: report)
        return try await store(cut, server: server, channel: channel, sourceSHA: sourceSHA, recorderMD5: recorderMD5, subtitle: subtitle)
    }

    /// Stores the segments of one cut file durably, then records the export (one transaction).
    func store(
        _ cut: SegmentedFile, server: String, channel: Int, sourceSHA: String?, recorderMD5: String?, subtitle: String?
    ) async throws -> IngestResult {
        var stored: [(SegmentInfo, StoredBlob)] = []
        for info in cut.segments { stored.append((info, try await blobs.adopt(info.path, digest: (info.sha256, info.size)))) }
        var subtitleBlob: (blob: StoredBlob, storedSize: Int64, compression: BlobCompression)?
        if let subtitle {
            guard let data = FileManager.default.contents(atPath: subtitle) else { throw FileSystem.error(subtitle) }
            subtitleBlob = try await blobs.putCompressible([UInt8](data))
        }
        return try record(
            stored, report: cut.report, name: cut.name, server: server, channel: channel, fileStart: cut.start,
            timeSource: cut.timeSource, sourceSHA: sourceSHA, sourceSize: cut.size, recorderMD5: recorderMD5, subtitle: subtitleBlob)
    }

    /// The file's canonical segments, written into `work` (stored afterwards).
    private static func segment(
        file: String, fileStart: Int64, segmentSeconds: Int64, work: String, hashSource: Bool
    ) throws -> ([SegmentInfo], SegmentationReport) {
        var segments: [SegmentInfo] = []
        let report = try Segmenter.segment(
            file: file, fileStartMicros: fileStart, segmentSeconds: segmentSeconds, workDirectory: work,
            hashSource: hashSource
        ) { segments.append($0) }
        return (segments, report)
    }

    private func fileSize(_ path: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    private func record(
        _ stored: [(SegmentInfo, StoredBlob)], report: SegmentationReport, name: String, server: String, channel: Int,
        fileStart: Int64, timeSource: TimeSource, sourceSHA: String?, sourceSize: Int64, recorderMD5: String?,
        subtitle: (blob: StoredBlob, storedSize: Int64, compression: BlobCompression)?
    ) throws -> IngestResult {
        try index.write { db in
            let channelID = try ArchiveIndex.channelID(db, server: server, chid: channel)
            if let subtitle {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO blobs(sha256, size, kind, created_at, stored_size, compression) VALUES (?, ?, 'subtitle', ?, ?, ?)
                        """,
                    arguments: [
                        subtitle.blob.sha256, subtitle.blob.size, Date().timeIntervalSince1970, subtitle.storedSize,
                        subtitle.compression.rawValue
                    ])
            }
            try db.execute(
                sql: """
                    INSERT INTO exports(channel_id, source_name, source_sha256, source_size, recorder_md5, time_source, file_start_us,
                                        ingested_at, segments, new_segments, dropped_video_frames, dropped_audio_packets, holes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                arguments: [
                    channelID, name, sourceSHA, sourceSize, recorderMD5, timeSource.rawValue,
                    fileStart, Date().timeIntervalSince1970, stored.count, report.droppedVideoFrames,
                    report.droppedAudioPackets, report.holes
                ])
            let exportID = db.lastInsertedRowID
            if let subtitle {
                try db.execute(sql: "UPDATE exports SET subtitle_sha256 = ? WHERE id = ?", arguments: [subtitle.blob.sha256, exportID])
            }
            var newSegments = 0
            var newBlobs = 0
            var bytes: Int64 = 0
            for (info, blob) in stored {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO blobs(sha256, size, kind, created_at, stored_size) VALUES (?, ?, 'video', ?, ?)",
                    arguments: [blob.sha256, blob.size, Date().timeIntervalSince1970, blob.size])
                if db.changesCount > 0 {
                    newBlobs += 1
                    bytes += blob.size
                }
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO segments(channel_id, start_us, end_us, blob_sha256, container, codec, width, height,
                                                       frames, keyframes, audio_packets, export_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        channelID, info.startMicros, info.endMicros, blob.sha256, info.container.rawValue, info.videoCodec,
                        info.width, info.height, info.frameCount, info.keyframeCount, info.audioPacketCount, exportID
                    ])
                newSegments += db.changesCount
            }
            try db.execute(sql: "UPDATE exports SET new_segments = ? WHERE id = ?", arguments: [newSegments, exportID])
            return IngestResult(
                exportID: exportID, segments: stored.count, newSegments: newSegments, newBlobs: newBlobs,
                bytesStored: bytes, timeSource: timeSource, startMicros: stored.first?.0.startMicros,
                endMicros: stored.last?.0.endMicros, droppedVideoFrames: report.droppedVideoFrames,
                droppedAudioPackets: report.droppedAudioPackets, holes: report.holes)
        }
    }
}
