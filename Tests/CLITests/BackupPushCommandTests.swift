import Foundation
import TestSupport
import Testing

/// `tsvault backup push`. Rotation, damaged blobs and cut pushes: ArchiveTests (BackupTests)
/// and NightlyTests (BackupRotationTests).
@Suite(.timeLimit(.minutes(5))) struct BackupPushCommandTests {
    @Test func aNewTargetIsInitializedWithItsLabelAndGetsEveryBlob() async throws {
        try await CLI.workspace("backup-push") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let push = try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", work + "/archive")
            #expect(push.status == 0 && push.output.hasPrefix("backup A: snapshot ") && push.output.contains(", copied 10 ("), "\(push)")
            let again = try CLI.run("backup", "push", work + "/disk", "--archive", work + "/archive")
            #expect(again.status == 0 && again.output.contains(", copied 0 ("), "an unchanged archive copies nothing: \(again)")
            let wrong = try CLI.run("backup", "push", work + "/disk", "--label", "B", "--archive", work + "/archive")
            #expect(wrong.status == 64 && wrong.errors.contains("is backup target \"A\", not \"B\""), "\(wrong)")
        }
    }

    @Test func aForeignDirectoryOrNoConfiguredTargetExits64() async throws {
        try await CLI.workspace("backup-push-foreign") { work in
            _ = try await CLI.syntheticArchive(in: work)
            try FileManager.default.createDirectory(atPath: work + "/other", withIntermediateDirectories: true)
            try "x".write(toFile: work + "/other/file", atomically: true, encoding: .utf8)
            let foreign = try CLI.run("backup", "push", work + "/other", "--archive", work + "/archive")
            #expect(
                foreign.status == 64 && foreign.errors.hasPrefix("tsvault backup push: ") && foreign.errors.contains("--label"),
                "\(foreign)")
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            let none = try CLI.run("backup", "push", "--config", config)
            #expect(none.status == 64 && none.errors.contains("no DIR and no backup.targets"), "\(none)")
        }
    }
}
