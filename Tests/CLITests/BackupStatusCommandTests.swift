import Foundation
import TestSupport
import Testing

/// `tsvault backup status`.
@Suite(.timeLimit(.minutes(5))) struct BackupStatusCommandTests {
    @Test func eachTargetsLastPushIsListed() async throws {
        try await CLI.workspace("backup-status") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let empty = try CLI.run("backup", "status", "--archive", work + "/archive")
            #expect(empty.status == 0 && empty.output.hasPrefix("no backup pushed yet"), "\(empty)")
            #expect(try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", work + "/archive").status == 0)
            let status = try CLI.run("backup", "status", "--archive", work + "/archive")
            #expect(
                status.status == 0 && status.output.hasPrefix("A  last push ") && status.output.contains("to \(work)/disk"), "\(status)")
        }
    }
}
