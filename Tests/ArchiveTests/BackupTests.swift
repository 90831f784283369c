import Archive
import Backup
import Foundation
import TestSupport
import Testing

/// Offsite backup rotation over real ingested footage: push, rotate, verify, restore, and the
/// failures a backup admin meets (damaged source blobs, cut pushes, foreign disks).
@Suite(.timeLimit(.minutes(5))) struct BackupTests {
    /// Four minutes of channel 1 (with subtitles) on Nov 24 and on Nov 25 (Seoul).
    static let windows = [("2026-11-24T10:00:00", "2026-11-24T10:04:00"), ("2026-11-25T10:00:00", "2026-11-25T10:04:00")]

    func withArchive(_ body: @Sendable (Archive, RecorderFixture, String) async throws -> Void) async throws {
        try await RecorderFixture.with { r in
            let work = try ArchiveFixture.temporaryDirectory("backup")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let exports = try await ArchiveFixture.export(r, channel: 1, windows: Self.windows, into: work, subtitles: true)
            let archive = try Archive(root: work + "/archive")
            for file in exports.flatMap({ $0 }) {
                _ = try await archive.ingest(file: file.path, server: "sim", channel: 1, subtitle: file.subtitle, recorderMD5: file.md5)
            }
            try await body(archive, r, work)
        }
    }

    static func files(under root: String, suffix: String = "") -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(suffix) }
    }

    static func segmentRows(_ archive: Archive) throws -> [String] {
        try archive.segments(server: "sim", channel: 1).map { "\($0.sha256) \($0.startMicros) \($0.endMicros)" }
    }

    @Test func aPushRestoresTheSameArchiveAndASecondPushCopiesNothing() async throws {
        try await withArchive { archive, r, work in
            let disk = try BackupTarget(root: work + "/disk-a", initializeWithLabel: "offsite-A")
            let first = try await archive.pushBackup(to: disk, actor: "tester")
            let blobCount = try await archive.counts().blobs
            #expect(first.ok && first.blobs == blobCount && first.copiedBlobs == blobCount && blobCount > 8, "\(first)")
            #expect(!Self.files(under: work + "/disk-a/blobs", suffix: ".zst").isEmpty, "subtitle blobs are copied as stored (zstd)")
            let checked = try await disk.verify(full: true)
            #expect(checked.ok && checked.blobs == blobCount, "\(checked)")

            let second = try await archive.pushBackup(to: try BackupTarget(root: work + "/disk-a"), actor: "tester")
            let kept = try await disk.snapshots()
            #expect(second.copiedBlobs == 0 && second.blobs == blobCount && kept.count == 2)
            #expect(try archive.backupStatus().map { "\($0.label) \($0.snapshot) \($0.newerBlobs)" } == ["offsite-A \(second.snapshot) 0"])

            let restored = try await disk.restore(to: work + "/restored", actor: "tester")
            #expect(restored.missing.isEmpty && restored.snapshot == second.snapshot && restored.blobs == blobCount)
            let copy = try Archive(root: work + "/restored")
            let verify = try await copy.verify(level: .full)
            #expect(verify.ok && verify.orphans.isEmpty && verify.checked == blobCount)
            let (restoredRows, sourceRows) = (try Self.segmentRows(copy), try Self.segmentRows(archive))
            #expect(restoredRows == sourceRows && restoredRows.count == 8, "the same segments, minute for minute")
            let zone = TimeZone(identifier: "Asia/Seoul")!
            let day = (r.date("2026-11-24T00:00:00"), r.date("2026-11-26T00:00:00"))
            let restoredMinutes = try copy.coverage(server: "sim", channel: 1, from: day.0, to: day.1, zone: zone).map(\.minutes)
            let sourceMinutes = try archive.coverage(server: "sim", channel: 1, from: day.0, to: day.1, zone: zone).map(\.minutes)
            #expect(restoredMinutes == sourceMinutes && !sourceMinutes.isEmpty)
            let actions = try copy.custodyEntries().map(\.action)
            let chain = try copy.checkCustody()
            #expect(actions.contains("backup-push") && actions.last == "backup-restore" && chain.intact)
            await #expect(throws: ArchiveError.self) { _ = try await disk.restore(to: work + "/restored", actor: "tester") }
        }
    }

    @Test func rotationKeepsWhatEveryKeptSnapshotNamesAndNothingElse() async throws {
        try await withArchive { archive, r, work in
            let disk = try BackupTarget(root: work + "/disk-b", initializeWithLabel: "offsite-B")
            let first = try await archive.pushBackup(to: disk, keepSnapshots: 2, actor: "tester")
            // Retention removes Nov 24 from the archive; the backup keeps it while a kept snapshot names it.
            let plan = try archive.retentionPlan(RetentionPolicy(maxAgeDays: 1), now: r.date("2026-11-25T12:00:00"))
            let deleted = try await archive.applyRetention(plan, actor: "tester", policyText: "maxAgeDays 1")
            #expect(deleted.deletedBlobs >= 4)
            let second = try await archive.pushBackup(to: disk, keepSnapshots: 2, actor: "tester")
            #expect(second.prunedBlobs == 0 && second.blobs == first.blobs - deleted.deletedBlobs)
            #expect(try await disk.blobsStored() == first.blobs)
            let third = try await archive.pushBackup(to: disk, keepSnapshots: 2, actor: "tester")
            #expect(third.removedSnapshots == [first.snapshot] && third.prunedBlobs == deleted.deletedBlobs, "\(third)")
            let stored = try await disk.blobsStored()
            let kept = try await disk.snapshots()
            #expect(stored == third.blobs && kept == [second.snapshot, third.snapshot])
            #expect(try await disk.verify(full: true).ok)
        }
    }

    @Test func damagedArchiveBlobsAreNotCopiedAndCutPushesLeaveNoDebris() async throws {
        try await withArchive { archive, _, work in
            // A bit flipped in one archive blob: reported, not copied.
            let victim = try #require(try archive.segments(server: "sim", channel: 1).first)
            let path = archive.blobs.path(of: victim.sha256)
            chmod(path, 0o644)
            var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let disk = try BackupTarget(root: work + "/disk-c", initializeWithLabel: "offsite-C")
            let push = try await archive.pushBackup(to: disk, actor: "tester")
            #expect(!push.ok && push.damaged.map(\.sha256) == [victim.sha256] && push.copiedBlobs == push.blobs - 1)
            #expect(try await disk.verify(full: false).problems.map(\.item) == [victim.sha256], "the target knows what it lacks")

            // Debris of a push cut off mid-copy, and a truncated blob on the target.
            let debris = [work + "/disk-c/blobs/ab/.tmp-cut", work + "/disk-c/snapshots/.tmp-20261125T000000.000Z.sqlite"]
            try FileManager.default.createDirectory(atPath: work + "/disk-c/blobs/ab", withIntermediateDirectories: true)
            for file in debris { _ = FileManager.default.createFile(atPath: file, contents: Data("partial".utf8)) }
            let other = try #require(try archive.segments(server: "sim", channel: 1).last)
            let onDisk =
                work + "/disk-c/blobs/" + String(other.sha256.prefix(2)) + "/" + String(other.sha256.dropFirst(2).prefix(2)) + "/"
                + other.sha256
            chmod(onDisk, 0o644)
            #expect(truncate(onDisk, 100) == 0)
            let again = try await archive.pushBackup(to: disk, actor: "tester")
            #expect(again.copiedBlobs == 1 && debris.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
            #expect(try await disk.verify(full: true).problems.map(\.item) == [victim.sha256])

            // Disks that are not this target are refused, and nothing is written to them.
            let foreign = work + "/foreign"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: foreign + "/family-photos.jpg", contents: Data([1, 2, 3]))
            #expect(throws: ArchiveError.self) { _ = try BackupTarget(root: foreign, initializeWithLabel: "offsite-D") }
            #expect(throws: ArchiveError.self) { _ = try BackupTarget(root: foreign) }
            #expect(throws: ArchiveError.self) { _ = try BackupTarget(root: work + "/disk-c", initializeWithLabel: "offsite-A") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: foreign) == ["family-photos.jpg"])
        }
    }

    @Test func theCommandLineSaysWhatHappenedByItsExitCode() async throws {
        try await withArchive { archive, _, work in
            let foreign = work + "/foreign"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: foreign + "/notes.txt", contents: Data("x".utf8))
            #expect(try BuiltProducts.runTSVault(["backup", "push", foreign, "--label", "A", "--archive", archive.root]).0 == 64)
            let (pushed, report) = try BuiltProducts.runTSVault([
                "backup", "push", work + "/disk", "--label", "A", "--archive", archive.root, "--json"
            ])
            struct Output: Decodable { var pushed: [BackupPushReport] }
            let decoded = try #require(try JSONDecoder().decode(Output.self, from: Data(report.utf8)).pushed.first)
            #expect(pushed == 0 && decoded.copiedBlobs == decoded.blobs && decoded.blobs > 0)
            #expect(try BuiltProducts.runTSVault(["backup", "verify", work + "/disk", "--full"]).0 == 0)
            // One byte flipped on the target: only the full check sees it.
            let victim = try #require(Self.files(under: work + "/disk/blobs").first { ($0 as NSString).lastPathComponent.count == 64 })
            let path = work + "/disk/blobs/" + victim
            chmod(path, 0o644)
            var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            bytes[0] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try BuiltProducts.runTSVault(["backup", "verify", work + "/disk"]).0 == 0)
            let (status, text) = try BuiltProducts.runTSVault(["backup", "verify", work + "/disk", "--full"])
            #expect(status == 1 && text.contains((victim as NSString).lastPathComponent))
            let (restored, restoreText) = try BuiltProducts.runTSVault(["backup", "restore", work + "/disk", "--to", work + "/restored"])
            #expect(restored == 1 && restoreText.contains("MISSING \((victim as NSString).lastPathComponent)"), "\(restoreText)")
        }
    }

    @Test func aFailingTargetPublishesNothingAndATamperedSnapshotIsRefused() async throws {
        try await withArchive { archive, _, work in
            let disk = try BackupTarget(root: work + "/disk-e", initializeWithLabel: "offsite-E")
            // The disk fails mid-push (here: a fan-out directory cannot be created).
            let first = try #require(try archive.segments(server: "sim", channel: 1).first).sha256
            _ = FileManager.default.createFile(atPath: work + "/disk-e/blobs/" + String(first.prefix(2)), contents: Data("in the way".utf8))
            await #expect(throws: ArchiveError.self) { _ = try await archive.pushBackup(to: disk, actor: "tester") }
            let kept = try await disk.snapshots()
            #expect(kept.isEmpty, "no snapshot names blobs that are not all there")
            #expect(try archive.backupStatus().isEmpty, "a failed push is not recorded as a push")
            try FileManager.default.removeItem(atPath: work + "/disk-e/blobs/" + String(first.prefix(2)))
            let resumed = try await archive.pushBackup(to: disk, actor: "tester")
            let resumedCheck = try await disk.verify(full: true)
            #expect(resumed.ok && resumed.copiedBlobs > 0 && resumedCheck.ok)

            // A snapshot altered on the disk: verify says so, restore refuses it.
            let snapshot = work + "/disk-e/snapshots/" + resumed.snapshot
            chmod(snapshot, 0o644)
            let handle = try #require(FileHandle(forUpdatingAtPath: snapshot))
            try handle.seek(toOffset: 200)
            try handle.write(contentsOf: Data([0x42]))
            try handle.close()
            let checked = try await disk.verify(full: false)
            #expect(checked.problems.map(\.item) == [resumed.snapshot] && checked.problems[0].problem.contains("its .sha256 says"))
            await #expect(throws: ArchiveError.self) { _ = try await disk.restore(to: work + "/restored", actor: "tester") }
            #expect(!FileManager.default.fileExists(atPath: work + "/restored/index.sqlite"))

            // An identity file that is not one: a clear error, nothing written.
            try Data("{ not json".utf8).write(to: URL(fileURLWithPath: work + "/disk-e/tsvault-backup.json"))
            let error = #expect(throws: ArchiveError.self) { _ = try BackupTarget(root: work + "/disk-e") }
            #expect(error.map { "\($0)".contains("is not a tsvault backup identity") } == true)
        }
    }
}
