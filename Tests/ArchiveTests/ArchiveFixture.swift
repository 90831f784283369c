import Archive
import Foundation
import Remux
import TSAPI
import TSAPISimulator
import TestSupport

/// Exports real files from a simulator through the client, and a fresh archive to ingest them.
enum ArchiveFixture {
    struct Exported: Sendable {
        var path: String
        var md5: String
        var channel: Int
        var subtitle: String?
    }

    /// Runs one export per window and keeps every video file in `directory`.
    static func export(
        _ r: RecorderFixture, channel: Int, windows: [(String, String)], into directory: String,
        subtitles: Bool = false
    ) async throws -> [[Exported]] {
        var result: [[Exported]] = []
        for (from, to) in windows {
            let log = FileLog()
            let keep = directory + "/\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            var request = ExportRequest(channels: [channel], begin: r.date(from), end: r.date(to))
            request.subtitleFormat = subtitles ? "srt" : nil
            _ = try await ExportDriver(client: r.client, zone: r.zone).run(request, into: keep) { set in await log.add(set) }
            result.append(
                await log.sets.compactMap { set in
                    set.video.map { Exported(path: $0.path, md5: $0.md5, channel: set.channel, subtitle: set.subtitle?.path) }
                })
        }
        return result
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Payload MD5s of every packet of a file, per stream kind, in file order.
    static func packetHashes(_ path: String) throws -> (video: [String], audio: [String]) {
        let reader = try PacketReader(path: path)
        var video: [String] = []
        var audio: [String] = []
        while let p = try reader.next() {
            let md5 = PacketDigest.md5Hex(p.data)
            if reader.streams[p.streamIndex].mediaType == "video" { video.append(md5) } else { audio.append(md5) }
        }
        return (video, audio)
    }

    /// Blob paths of a channel's segments in time order.
    static func segmentPaths(_ archive: Archive, server: String, channel: Int) throws -> [(path: String, start: Int64, end: Int64)] {
        try archive.segments(server: server, channel: channel).map { (archive.blobs.path(of: $0.sha256), $0.startMicros, $0.endMicros) }
    }
}
