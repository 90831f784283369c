import Foundation
import TestSupport
import Testing

/// `tsvault backup restore`.
@Suite(.timeLimit(.minutes(5))) struct BackupRestoreCommandTests {
    @Test func aRestoredArchiveHoldsTheSameMinutes() async throws {
        try await CLI.workspace("backup-restore") { work in
            _ = try await CLI.syntheticArchive(in: work)
            #expect(try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", work + "/archive").status == 0)
            let restore = try CLI.run("backup", "restore", work + "/disk", "--to", work + "/restored")
            #expect(restore.status == 0 && restore.output.contains("from A into \(work)/restored: 10 blobs"), "\(restore)")
            let original = try CLI.run("coverage", "--archive", work + "/archive").output
            #expect(try CLI.run("coverage", "--archive", work + "/restored").output == original)
            #expect(try CLI.run("verify", "--archive", work + "/restored").status == 0)
        }
    }

    @Test func aDestinationThatIsNotEmptyExits64() async throws {
        try await CLI.workspace("backup-restore-used") { work in
            _ = try await CLI.syntheticArchive(in: work)
            #expect(try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", work + "/archive").status == 0)
            let result = try CLI.run("backup", "restore", work + "/disk", "--to", work + "/archive")
            #expect(result.status == 64 && result.errors.hasPrefix("tsvault backup restore: "), "\(result)")
        }
    }
}
