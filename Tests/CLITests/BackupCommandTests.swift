import Foundation
import TestSupport
import Testing

/// `tsvault backup push|status|verify|restore`; rotation, damage and cut pushes are covered in
/// ArchiveTests (BackupTests) and NightlyTests (BackupRotationTests).
@Suite(.timeLimit(.minutes(5))) struct BackupCommandTests {
    @Test func pushStatusVerifyAndRestoreEachExit0() async throws {
        try await CLI.workspace("backup") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            let push = try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", archive)
            #expect(push.status == 0 && push.output.hasPrefix("backup A: snapshot ") && push.output.contains(", copied 10 ("), "\(push)")
            let status = try CLI.run("backup", "status", "--archive", archive)
            #expect(
                status.status == 0 && status.output.hasPrefix("A  last push ") && status.output.contains("to \(work)/disk"), "\(status)")
            let verify = try CLI.run("backup", "verify", work + "/disk", "--full")
            #expect(
                verify.status == 0 && verify.output.hasPrefix("backup A: 1 snapshots, 10 blobs, ")
                    && verify.output.hasSuffix(", 0 problems\n"),
                "\(verify)")
            let restore = try CLI.run("backup", "restore", work + "/disk", "--to", work + "/restored")
            #expect(restore.status == 0 && restore.output.contains("from A into \(work)/restored: 10 blobs"), "\(restore)")
            #expect(
                try CLI.run("coverage", "--archive", work + "/restored").output == (try CLI.run("coverage", "--archive", archive)).output)
        }
    }

    @Test func aDirectoryThatIsNotATargetExits64() async throws {
        try await CLI.workspace("backup-foreign") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            try FileManager.default.createDirectory(atPath: work + "/other", withIntermediateDirectories: true)
            try "x".write(toFile: work + "/other/file", atomically: true, encoding: .utf8)
            let push = try CLI.run("backup", "push", work + "/other", "--archive", archive)
            #expect(push.status == 64 && push.errors.hasPrefix("tsvault backup push: ") && push.errors.contains("--label"), "\(push)")
            let verify = try CLI.run("backup", "verify", work + "/other")
            #expect(verify.status == 64 && verify.errors.hasPrefix("tsvault backup verify: "), "\(verify)")
            let none = try CLI.run(
                "backup", "push", "--config", try ConfigFile.write(port: 1, key: "k", directory: work), "--archive", archive)
            #expect(none.status == 64 && none.errors.contains("no DIR and no backup.targets"), "\(none)")
        }
    }
}
