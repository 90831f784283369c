import Archive
import Foundation
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

@testable import Nightly

/// A video archived while it downloads (never written to disk whole) must give exactly what
/// archiving the downloaded file gives, keep the md5 and resume guarantees, and keep nothing of
/// a file whose md5 does not check out.
@Suite(.timeLimit(.minutes(5))) struct StreamedIngestTests {
    struct Archived: Sendable, Equatable {
        var segments: [String]
        var exports: [String]
        var resumes = 0
        /// Videos that could not be read as they arrived and were downloaded whole.
        var downloadedWhole = 0
    }

    /// Channel 1 from 10:00 to 10:20, split by the recorder into several files.
    static func request(_ r: RecorderFixture) -> ExportRequest {
        var request = ExportRequest(channels: [1], begin: r.date("2026-11-25T10:00:00"), end: r.date("2026-11-25T10:20:00"))
        request.mediaSize = "2MB"
        return request
    }

    /// Exports `request` and archives each video as it streams (`streamed`) or from the
    /// downloaded file; returns the archive's segments (start, end, SHA-256) and exports
    /// (name, size, md5).
    static func archive(_ r: RecorderFixture, streamed: Bool, root: String) async throws -> Archived {
        let archive = try Archive(root: root)
        let directory = try RecorderFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let resumes = ResumeCount()
        _ = try await ExportDriver(client: r.client, zone: r.zone, streamsVideo: streamed).run(request(r), into: directory) { set in
            if streamed {
                let stream = try #require(set.stream)
                #expect(set.video == nil && set.subtitle != nil)
                let result = try await archive.ingest(
                    streamed: RecorderStream(download: stream), server: "sim", channel: set.channel, subtitle: set.subtitle?.path,
                    recorderZone: r.zone.zone)
                #expect(RecorderFixture.files(in: directory).allSatisfy { $0.hasSuffix(".srt") }, "no copy of the video on disk")
                if result == nil {
                    // What the nightly run does then (Runner.ingest).
                    let video = try await stream.downloadWhole(into: directory)
                    _ = try await archive.ingest(
                        file: video.path, server: "sim", channel: set.channel, subtitle: set.subtitle?.path,
                        recorderZone: r.zone.zone, recorderMD5: video.md5, source: .recorderMD5)
                    unlink(video.path)
                    await resumes.whole()
                }
                await resumes.add(stream.transferred?.resumes ?? -1)
            } else {
                let video = try #require(set.video)
                _ = try await archive.ingest(
                    file: video.path, server: "sim", channel: set.channel, subtitle: set.subtitle?.path, recorderZone: r.zone.zone,
                    recorderMD5: video.md5, source: .recorderMD5)
            }
        }
        let segments = try archive.segmentDetails(server: "sim", channel: 1, from: 0, to: .max)
        let exports = try archive.exportRecords(ids: Set(segments.map(\.exportID)))
        return Archived(
            segments: segments.map { "\($0.startMicros)-\($0.endMicros) \($0.sha256)" },
            exports: exports.map { "\($0.sourceName) \($0.sourceSHA256 ?? "-") \($0.recorderMD5 ?? "-")" }.sorted(),
            resumes: await resumes.total, downloadedWhole: await resumes.wholeDownloads)
    }

    /// An MP4 (H.264 alone) and a Matroska file (recorders with G.711 audio export those: MP4
    /// cannot carry it) are both read as they arrive.
    @Test(arguments: ["mp4", "mkv"])
    func aStreamedVideoGivesTheSegmentsOfTheDownloadedFileByteForByte(_ fileExtension: String) async throws {
        let config = RecorderFixture.configuration { if fileExtension == "mkv" { $0.audio = .pcmMulaw } }
        try await RecorderFixture.with(config) { r in
            let work = try RecorderFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: work) }
            let streamed = try await Self.archive(r, streamed: true, root: work + "/streamed")
            let downloaded = try await Self.archive(r, streamed: false, root: work + "/downloaded")
            #expect(streamed.downloadedWhole == 0, "read as it arrived: \(streamed.downloadedWhole) downloaded whole")
            #expect(streamed.segments.count >= 19 && streamed.exports.count > 1, "\(streamed.segments.count) segments")
            #expect(streamed.exports.allSatisfy { $0.contains(".\(fileExtension) ") }, "\(streamed.exports)")
            #expect(streamed.segments == downloaded.segments, "same starts, ends and SHA-256")
            #expect(streamed.exports == downloaded.exports, "same names, no SHA-256 of the file, the recorder's md5")
            #expect(RecorderFixture.files(in: work + "/streamed/tmp").isEmpty, "no work files left")
        }
    }

    /// Archives the request from downloaded files, then arms `fault` and archives it again as
    /// it streams, each into an archive of its own.
    static func downloadedThenStreamed(arming fault: String) async throws -> (downloaded: Archived, streamed: Archived) {
        try await RecorderFixture.with { r in
            let work = try RecorderFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: work) }
            let downloaded = try await Self.archive(r, streamed: false, root: work + "/downloaded")
            try await r.arm(fault)
            return (downloaded, try await Self.archive(r, streamed: true, root: work + "/streamed"))
        }
    }

    @Test func aCutTransferResumesMidStreamAndGivesTheSameSegments() async throws {
        // The first two downloads: the first file's subtitle (too short to cut), then its
        // video, cut 300 kB in while the archive reads it.
        let (clean, cut) = try await Self.downloadedThenStreamed(arming: "cutDownload:300000x2")
        #expect(cut.resumes == 1 && cut.downloadedWhole == 0, "the cut transfer resumed where it broke: \(cut.resumes) resumes")
        #expect(cut.segments == clean.segments && cut.exports == clean.exports)
    }

    @Test func aRecorderIgnoringRangeGetsEachVideoDownloadedWholeWithTheSameSegments() async throws {
        // The index after the media data cannot be fetched first: a Range request gets the
        // whole file (200).
        let (clean, whole) = try await Self.downloadedThenStreamed(arming: "ignoreRangex0")
        #expect(whole.downloadedWhole == clean.exports.count && whole.downloadedWhole > 1, "\(whole.downloadedWhole)")
        #expect(whole.segments == clean.segments && whole.exports == clean.exports)
    }

    @Test func aWrongMD5KeepsNothingOfAStreamedVideo() async throws {
        try await RecorderFixture.with(faults: [FaultRule(kind: .wrongMD5)]) { r in
            let work = try RecorderFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: work) }
            await #expect {
                _ = try await Self.archive(r, streamed: true, root: work + "/archive")
            } throws: { error in
                guard case TSAPIError.md5Mismatch(_, let file, _, _) = error else { return false }
                return file.hasSuffix(".mp4")
            }
            let counts = try await Archive(root: work + "/archive").counts()
            #expect(counts.exports == 0 && counts.segments == 0 && counts.blobs == 0 && counts.blobFiles == 0, "\(counts)")
            #expect(RecorderFixture.files(in: work + "/archive/tmp").isEmpty, "no segment of it left in the work directory")
        }
    }
}

private actor ResumeCount {
    var total = 0
    var wholeDownloads = 0
    func add(_ count: Int) { total += count }
    func whole() { wholeDownloads += 1 }
}
