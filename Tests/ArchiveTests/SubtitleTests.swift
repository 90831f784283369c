import Archive
import Foundation
import TSAPI
import TestSupport
import Testing

/// The export's subtitle gives the start time and is kept, zstd-compressed, beside the export.
@Suite(.timeLimit(.minutes(5))) struct SubtitleTests {
    @Test func subtitleGivesTheStartAndIsStoredCompressed() async throws {
        try await RecorderFixture.with { r in
            let work = try ArchiveFixture.temporaryDirectory("subtitle")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let exported = try #require(
                try await ArchiveFixture.export(
                    r, channel: 1, windows: [("2026-11-25T10:00:00", "2026-11-25T10:02:00")],
                    into: work, subtitles: true
                ).first?.first)
            let subtitle = try #require(exported.subtitle)
            let archive = try Archive(root: work + "/archive")
            let result = try await archive.ingest(file: exported.path, server: "sim", channel: 1, subtitle: subtitle)
            #expect(
                result.timeSource == .subtitle && result.startMicros == Int64(r.date("2026-11-25T10:00:00").timeIntervalSince1970 * 1e6))

            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: subtitle)))
            let sha = try #require(try archive.exportSubtitle(exportID: result.exportID))
            #expect(try await archive.blobs.read(sha) == original)
            let stored = archive.blobs.path(of: sha) + ".zst"
            let storedSize = try #require((try FileManager.default.attributesOfItem(atPath: stored)[.size] as? NSNumber)?.intValue)
            #expect(storedSize < original.count / 4, "one cue per second compresses well: \(storedSize) of \(original.count) bytes")
            #expect(try await archive.verify(level: .full).ok)

            chmod(stored, 0o644)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: stored))
            bytes[bytes.count - 5] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: stored))
            let report = try await archive.verify(level: .full)
            #expect(report.failures.map(\.sha256) == [sha])
        }
    }
}
