import Archive
import Foundation
import Remux
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// Ingest of real simulator exports: lossless, deduplicated, aligned to wall-clock minutes.
@Suite(.timeLimit(.minutes(5))) struct IngestTests {
    /// Exports each window, ingests every file, and checks losslessness per file.
    func exportAndIngest(
        _ config: SimulatorConfiguration = RecorderFixture.configuration(), channel: Int = 1,
        windows: [(String, String)], check: @Sendable (Archive, [[ArchiveFixture.Exported]], [[IngestResult]]) async throws -> Void
    ) async throws {
        try await RecorderFixture.with(config) { r in
            let work = try ArchiveFixture.temporaryDirectory("ingest")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let exports = try await ArchiveFixture.export(r, channel: channel, windows: windows, into: work)
            let archive = try Archive(root: work + "/archive")
            var results: [[IngestResult]] = []
            for files in exports {
                var ingested: [IngestResult] = []
                for file in files {
                    ingested.append(try await archive.ingest(file: file.path, server: "sim", channel: channel, recorderMD5: file.md5))
                }
                results.append(ingested)
            }
            try await check(archive, exports, results)
        }
    }

    /// The packets of `files` played back to back equal the packets of the segments made
    /// from them (framemd5 equivalent), and each segment starts at a keyframe whose in-band
    /// wall-clock stamp is the segment's indexed start.
    func expectLossless(_ archive: Archive, files: [String], channel: Int) throws {
        let segments = try ArchiveFixture.segmentPaths(archive, server: "sim", channel: channel)
        var exported = (video: [String](), audio: [String]())
        for file in files {
            let h = try ArchiveFixture.packetHashes(file)
            exported.video += h.video
            exported.audio += h.audio
        }
        var archived = (video: [String](), audio: [String]())
        for segment in segments {
            let h = try ArchiveFixture.packetHashes(segment.path)
            archived.video += h.video
            archived.audio += h.audio
            let reader = try PacketReader(path: segment.path)
            let first = try #require(try reader.next { $0.streamIndex == 0 })
            #expect(first.isKeyframe)
            let stamp = try #require(InBandTimestamp.find(in: first.data))
            #expect(stamp.utcMilliseconds * 1000 == segment.start, "segment start matches the frame's embedded time")
        }
        #expect(!segments.isEmpty && archived.video == exported.video, "video packets identical, in order")
        #expect(archived.audio == exported.audio, "audio packets identical, in order")
    }

    @Test func segmentsAreLosslessAndCutAtMinuteBoundaries() async throws {
        try await exportAndIngest(windows: [("2026-11-25T10:00:00", "2026-11-25T10:05:00")]) { archive, exports, results in
            let files = exports[0].map(\.path)
            try expectLossless(archive, files: files, channel: 1)
            let segments = try archive.segments(server: "sim", channel: 1)
            #expect(segments.count == 5 && results[0].first?.timeSource == .metadata)
            #expect(segments.allSatisfy { $0.startMicros % 60_000_000 == 0 && $0.endMicros - $0.startMicros == 60_000_000 })
            #expect(segments.allSatisfy { $0.frames == 600 && $0.keyframes == 30 && $0.container == "mp4" })
            // The source hash computed from the demuxer's own reads (index at the end, read
            // out of order) is the file's SHA-256.
            let recorded = try #require(try archive.exportSource(exportID: results[0][0].exportID))
            let actual = try BlobStore.digest(of: files[0])
            #expect(recorded.sha256 == actual.sha256 && recorded.size == actual.size)
        }
    }

    @Test func ingestingTheSameFileTwiceAddsNothing() async throws {
        try await exportAndIngest(windows: [("2026-11-25T10:00:00", "2026-11-25T10:03:00")]) { archive, exports, results in
            let before = try await archive.counts()
            let again = try await archive.ingest(file: exports[0][0].path, server: "sim", channel: 1)
            let after = try await archive.counts()
            #expect(results[0][0].newSegments == 3 && again.newSegments == 0 && again.newBlobs == 0)
            #expect(after.segments == before.segments && after.blobs == before.blobs && after.blobFiles == before.blobFiles)
            #expect(after.exports == before.exports + 1, "the second export is still recorded")
        }
    }

    @Test func overlappingExportsShareTheSegmentsInsideTheOverlap() async throws {
        try await exportAndIngest(windows: [
            ("2026-11-25T10:00:00", "2026-11-25T10:03:00"),
            ("2026-11-25T10:01:30", "2026-11-25T10:05:00")
        ]) { archive, _, results in
            let segments = try archive.segments(server: "sim", channel: 1)
            let starts = segments.map { $0.startMicros / 1_000_000 % 3600 / 60 }
            // A: 10:00, 10:01, 10:02. B: 10:01:30 (partial), 10:02 (shared), 10:03, 10:04.
            #expect(results[0][0].newSegments == 3 && results[1][0].segments == 4 && results[1][0].newSegments == 3)
            #expect(starts.filter { $0 == 2 }.count == 1, "the 10:02 segment is stored once")
            #expect(Set(segments.map(\.sha256)).count == segments.count)
        }
    }

    @Test(arguments: ["bframes", "h265", "aac", "pcm_mulaw"])
    func otherRecorderProfilesAreLossless(profile: String) async throws {
        let config = RecorderFixture.configuration {
            switch profile {
            case "bframes": $0.bFrames = 2
            case "h265": $0.codec = .h265
            case "aac": $0.audio = .aac
            default: $0.audio = .pcmMulaw
            }
        }
        try await exportAndIngest(config, windows: [("2026-11-25T10:00:00", "2026-11-25T10:02:30")]) { archive, exports, _ in
            try expectLossless(archive, files: exports[0].map(\.path), channel: 1)
            let segments = try archive.segments(server: "sim", channel: 1)
            #expect(segments.count == 3)
            #expect(segments.allSatisfy { $0.container == (profile == "pcm_mulaw" ? "matroska" : "mp4") })
            #expect(segments.allSatisfy { $0.codec == (profile == "h265" ? "hevc" : "h264") })
        }
    }

    @Test func aHoleInsideAFileEndsASegment() async throws {
        let config = RecorderFixture.configuration { $0.gapMode = .hole }
        // Channel 2 records motion clips: one file with timestamp holes between them.
        try await exportAndIngest(config, channel: 2, windows: [("2026-11-25T09:00:00", "2026-11-25T10:00:00")]) {
            archive, exports, results in
            #expect(exports[0].count == 1)
            let result = try #require(results.first?.first)
            #expect(result.holes > 0 && result.droppedVideoFrames == 0)
            try expectLossless(archive, files: exports[0].map(\.path), channel: 2)
            let segments = try archive.segments(server: "sim", channel: 2)
            #expect(zip(segments, segments.dropFirst()).allSatisfy { $0.endMicros <= $1.startMicros }, "no segment spans a hole")
        }
    }

    @Test func corruptedFileIsAClearErrorAndLeavesTheIndexUntouched() async throws {
        try await exportAndIngest(windows: [("2026-11-25T10:00:00", "2026-11-25T10:01:00")]) { archive, exports, _ in
            let before = try await archive.counts()
            let broken = exports[0][0].path + ".broken.mp4"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: exports[0][0].path))
            // Cut before the index (moov) at the end: no demuxer can read it.
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: broken))
            await #expect {
                _ = try await archive.ingest(file: broken, server: "sim", channel: 1)
            } throws: { error in
                guard case ArchiveError.unreadableMedia(let path, _) = error else { return false }
                return path == broken
            }
            let after = try await archive.counts()
            #expect(after.exports == before.exports && after.segments == before.segments)
        }
    }
}

extension PacketReader {
    /// The first packet that matches.
    func next(where match: (ReadPacket) -> Bool) throws -> ReadPacket? {
        while let p = try next() { if match(p) { return p } }
        return nil
    }
}
