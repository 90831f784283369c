import Archive
import Foundation
import GRDB
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

@testable import Remux

@Suite(.timeLimit(.minutes(5))) struct VerifyAndCrashTests {
    /// One exported file of `minutes` minutes from a live simulator, copied to `directory`.
    func exportFile(minutes: Int, into directory: String) async throws -> String {
        try await RecorderFixture.with { r in
            let end = String(format: "2026-11-25T10:%02d:00", minutes)
            let exported = try await ArchiveFixture.export(r, channel: 1, windows: [("2026-11-25T10:00:00", end)], into: directory)
            return try #require(exported.first?.first?.path)
        }
    }

    @Test func flippedByteFailsFullVerifyAndNamesTheMinutes() async throws {
        let work = try ArchiveFixture.temporaryDirectory("verify")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = try await exportFile(minutes: 3, into: work)
        let archive = try Archive(root: work + "/archive")
        _ = try await archive.ingest(file: file, server: "sim", channel: 1)
        for level in VerifyLevel.allCases { #expect(try await archive.verify(level: level).ok, "\(level) clean before the damage") }

        let victim = try #require(try archive.segments(server: "sim", channel: 1).dropFirst().first)
        let path = archive.blobs.path(of: victim.sha256)
        chmod(path, 0o644)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))

        #expect(try await archive.verify(level: .quick).ok, "same size: quick cannot see it")
        let report = try await archive.verify(level: .full)
        #expect(report.failures.map(\.sha256) == [victim.sha256] && report.checked == 3)
        let hold = try #require(report.failures.first?.holds.first)
        #expect(hold.channel == 1 && hold.server == "sim" && hold.startMicros == victim.startMicros && hold.endMicros == victim.endMicros)
        #expect(
            RecorderTimeZone(TimeZone(identifier: "Asia/Seoul")!).format(Date(timeIntervalSince1970: Double(hold.startMicros) / 1e6))
                == "2026-11-25T10:01:00+09:00")
    }

    @Test func fileStartingMidGOPDropsAndReportsTheLeadingFrames() async throws {
        let work = try ArchiveFixture.temporaryDirectory("midgop")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = try await exportFile(minutes: 2, into: work)
        // Copy the export without its first 5 packets: the file now starts mid-GOP.
        let cut = work + "/midgop.mp4"
        let reader = try PacketReader(path: file)
        let muxer = try SegmentMuxer(path: cut, reader: reader, streams: [0], container: .mp4)
        var skipped = 0
        while let p = try reader.next() {
            if skipped < 5 {
                skipped += 1
                continue
            }
            try muxer.write(p, outputStream: 0, pts: p.pts, dts: p.dts)
        }
        try muxer.finish()
        let archive = try Archive(root: work + "/archive")
        // The muxer rebases the cut file so that its first packet (10:00:00.5) is media time 0.
        let start = try #require(RecorderTimeZone(TimeZone(identifier: "Asia/Seoul")!).parse("2026-11-25T10:00:00.5"))
        let result = try await archive.ingest(file: cut, server: "sim", channel: 1, start: start)
        #expect(result.droppedVideoFrames == 15, "the rest of the first 2 s GOP at 10 fps")
        #expect(
            result.timeSource == .given && result.startMicros == Int64(start.timeIntervalSince1970 * 1e6) + 1_500_000,
            "the first segment starts at the next keyframe, 10:00:02")
        #expect(result.segments == 2)
    }

    func runIngest(_ file: String, archive: String, killAfter: Duration?) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
        process.arguments = ["ingest", file, "--server", "sim", "--channel", "1", "--archive", archive]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ProcessDeadline(process, limit: .seconds(120), what: "tsvault ingest \(file)")
        if let killAfter {
            try await Task.sleep(for: killAfter)
            kill(process.processIdentifier, SIGKILL)
        }
        try deadline.waitForExit(process)
        return process.terminationStatus
    }

    @Test func killedIngestLeavesAConsistentIndexAndACleanArchive() async throws {
        let work = try ArchiveFixture.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = try await exportFile(minutes: 20, into: work)
        // How long an uninterrupted ingest takes, to spread the kills across it.
        let reference = work + "/reference"
        let started = ContinuousClock.now
        #expect(try await runIngest(file, archive: reference, killAfter: nil) == 0)
        let duration = ContinuousClock.now - started
        let expected = try Archive(root: reference).segments(server: "sim", channel: 1)
        #expect(expected.count == 20)

        for trial in 0..<6 {
            let root = work + "/trial-\(trial)"
            let delay = duration * Double.random(in: 0.05...0.95)
            _ = try await runIngest(file, archive: root, killAfter: delay)
            let archive = try Archive(root: root)
            let integrity = try await DatabaseQueue(path: root + "/index.sqlite").read {
                try String.fetchOne($0, sql: "PRAGMA integrity_check")
            }
            #expect(integrity == "ok")
            let counts = try await archive.counts()
            print("kill trial \(trial) after \(delay): \(counts.blobFiles) blobs on disk, \(counts.segments) segment rows")
            #expect(counts.segments == 0 || counts.segments == 20, "one transaction per file: all or nothing (trial \(trial))")
            let afterKill = try await archive.verify(level: .full)
            #expect(afterKill.ok)
            #expect(afterKill.orphans.count == counts.blobFiles - counts.blobs, "verify lists the blobs the kill left without rows")
            // Finishing the job gives exactly the uninterrupted result, with nothing left over.
            #expect(try await runIngest(file, archive: root, killAfter: nil) == 0)
            let finished = try Archive(root: root)
            #expect(try finished.segments(server: "sim", channel: 1).map(\.sha256) == expected.map(\.sha256))
            let after = try await finished.counts()
            #expect(after.blobFiles == after.blobs, "every blob on disk has its row (trial \(trial))")
            #expect(try await finished.verify(level: .quick).orphans.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty, "no work files left (trial \(trial))")
            #expect(try await finished.verify(level: .deep).ok)
        }
    }

    @Test func scrubbingReadsTheLeastRecentlyCheckedBlobsWithinItsBudget() async throws {
        let work = try ArchiveFixture.temporaryDirectory("scrub")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = try await exportFile(minutes: 6, into: work)
        let archive = try Archive(root: work + "/archive")
        _ = try await archive.ingest(file: file, server: "sim", channel: 1)
        let total = try archive.overview()
        #expect(total.blobs == 6 && total.unverifiedBlobs == 6)

        // A budget of about half the bytes: the never-checked blobs go first, then the rest.
        let first = try await archive.scrub(budgetBytes: total.storedBytes / 2)
        #expect(first.ok && first.checked >= 3 && first.checked < 6 && first.bytes >= total.storedBytes / 2)
        #expect(try archive.overview().unverifiedBlobs == 6 - first.checked)
        let second = try await archive.scrub(budgetBytes: total.storedBytes)
        let unverified = try archive.overview().unverifiedBlobs
        #expect(second.checked == 6 && unverified == 0, "never-checked first, then the oldest checks")

        // The second pass checked the never-checked blobs first (by name), then the first
        // pass's. Damage the one checked longest ago: a one-byte budget reads exactly it.
        let names = try archive.segments(server: "sim", channel: 1).map(\.sha256).sorted()
        let oldest = try #require(names.indices.contains(first.checked) ? names[first.checked] : nil)
        let path = archive.blobs.path(of: oldest)
        chmod(path, 0o644)
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        bytes[7] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let third = try await archive.scrub(budgetBytes: 1)
        #expect(third.checked == 1 && third.failures.map(\.sha256) == [oldest])
        #expect(try archive.overview().failedBlobs == 1)
        let (status, text) = try BuiltProducts.runTSVault(["verify", "--scrub-gb", "0.000000001", "--archive", work + "/archive"])
        #expect(status == 0 && text.contains("1 blobs"), "the next scrub reads the next-oldest blob, which is sound: \(text)")
    }
}
