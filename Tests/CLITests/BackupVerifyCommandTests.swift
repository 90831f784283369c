import Foundation
import TestSupport
import Testing

/// `tsvault backup verify`.
@Suite(.timeLimit(.minutes(5))) struct BackupVerifyCommandTests {
    @Test func aSoundTargetExits0AndATruncatedBlobExits1() async throws {
        try await CLI.workspace("backup-verify") { work in
            _ = try await CLI.syntheticArchive(in: work)
            #expect(try CLI.run("backup", "push", work + "/disk", "--label", "A", "--archive", work + "/archive").status == 0)
            let sound = try CLI.run("backup", "verify", work + "/disk", "--full")
            #expect(
                sound.status == 0 && sound.output.hasPrefix("backup A: 1 snapshots, 10 blobs, ")
                    && sound.output.hasSuffix(", 0 problems\n"),
                "\(sound)")
            let blob = try #require(
                FileManager.default.enumerator(atPath: work + "/disk/blobs")?.allObjects.compactMap { $0 as? String }
                    .first { $0.count > 60 })
            try Data("cut".utf8).write(to: URL(fileURLWithPath: work + "/disk/blobs/" + blob))
            let damaged = try CLI.run("backup", "verify", work + "/disk", "--full")
            #expect(damaged.status == 1 && damaged.output.contains("1 problems") && damaged.output.contains("PROBLEM "), "\(damaged)")
        }
    }

    @Test func aDirectoryThatIsNotATargetExits64() async throws {
        try await CLI.workspace("backup-verify-foreign") { work in
            try FileManager.default.createDirectory(atPath: work + "/other", withIntermediateDirectories: true)
            let result = try CLI.run("backup", "verify", work + "/other")
            #expect(result.status == 64 && result.errors.hasPrefix("tsvault backup verify: "), "\(result)")
        }
    }
}
