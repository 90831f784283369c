import Archive
import Foundation
import TSAPI
import TestSupport
import Testing

/// After ingesting an export, the archive's per-minute coverage equals the recorder's own
/// minutes bitmap over that window, gaps included.
@Suite(.timeLimit(.minutes(5))) struct CoverageTests {
    @Test func coverageMatchesTheRecorderBitmapMinuteForMinute() async throws {
        try await RecorderFixture.with { r in
            let work = try ArchiveFixture.temporaryDirectory("coverage")
            defer { try? FileManager.default.removeItem(atPath: work) }
            // Channel 2 records motion clips: many short files with gaps between them.
            let files = try await ArchiveFixture.export(
                r, channel: 2, windows: [("2026-11-25T09:00:00", "2026-11-25T11:00:00")], into: work)
            let archive = try Archive(root: work + "/archive")
            for file in files[0] { _ = try await archive.ingest(file: file.path, server: "sim", channel: 2) }

            let day = try #require(r.zone.localDay(year: 2026, month: 11, day: 25))
            let recorder = try await r.client.recordingMinutes(channel: 2, day: day, zone: r.zone)
            let coverage = try #require(
                try archive.coverage(server: "sim", channel: 2, from: day.start, to: day.end, zone: r.zone.zone).first)
            #expect(coverage.day == "2026-11-25" && coverage.minutes.count == 1440)
            let window = (9 * 60)..<(11 * 60)
            #expect(Array(coverage.minutes[window]) == Array(recorder.recorded[window]))
            #expect(coverage.minutes.indices.filter { !window.contains($0) }.allSatisfy { !coverage.minutes[$0] })
            #expect(recorder.recorded[window].contains(false) && recorder.recorded[window].contains(true), "the window has clips and gaps")
            #expect(coverage.gaps.count >= 2)
        }
    }
}
