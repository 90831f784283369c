import Foundation
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// A 1 GB export goes through the driver with memory far below the file size: downloads
/// stream to disk chunk by chunk while MD5 and SHA-256 are computed in the same pass.
@Suite(.timeLimit(.minutes(5))) struct LargeDownloadTests {
    /// Resident set size figures from /proc/self/status, in bytes.
    static func memory() -> (rss: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Resets the peak-RSS counter (Linux ≥ 4.0) so the measurement covers only the download.
    static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

    @Test func oneGigabyteExportDownloadsInBoundedMemory() async throws {
        let config = RecorderFixture.configuration {
            $0.width = 1280
            $0.height = 720
            $0.fps = 15
            $0.bitrate = 20_000_000
            $0.gopVariants = 3
            $0.exportTTLMilliseconds = 3000
        }
        try await RecorderFixture.with(config) { r in
            let directory = try RecorderFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var request = ExportRequest(channels: [1], begin: r.date("2026-11-25T10:00:00"), end: r.date("2026-11-25T10:07:00"))
            request.mediaSize = "2GB"
            request.subtitleFormat = nil
            Self.resetPeak()
            let before = Self.memory()
            let outcome = try await ExportDriver(client: r.client, zone: r.zone).run(request, into: directory) { set in
                // The caller owns the file now; drop it so the disk is not the limit.
                for file in set.files { try FileManager.default.removeItem(atPath: file.path) }
            }
            let after = Self.memory()
            let growth = after.peak - before.rss
            print("large download: \(outcome.bytes) bytes, peak RSS \(after.peak >> 20) MiB, growth over the download \(growth >> 20) MiB")
            #expect(outcome.bytes > 1_000_000_000 && outcome.fileSets == 1)
            #expect(growth < 128 << 20, "peak memory growth \(growth >> 20) MiB for a \(outcome.bytes >> 20) MiB file")
        }
    }
}
