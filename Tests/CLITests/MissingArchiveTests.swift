import Foundation
import TestSupport
import Testing

/// Commands that read or amend an archive never create one: a wrong path is exit 66 and
/// leaves nothing behind.
@Suite(.timeLimit(.minutes(5))) struct MissingArchiveTests {
    static let commands: [[String]] = [
        ["runs"], ["report", "1"], ["coverage"], ["verify"], ["status"], ["custody"], ["hold", "list"],
        ["hold", "release", "1", "--reason", "r"], ["evidence", "pubkey"], ["backup", "status"],
        [
            "hold", "add", "--case", "C", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00Z",
            "--to", "2026-11-01T11:00:00Z", "--reason", "r"
        ]
    ]

    @Test(arguments: commands) func aMissingArchiveExits66AndIsNotCreated(_ command: [String]) async throws {
        try await CLI.workspace("missing") { work in
            let archive = work + "/typo/archive"
            let result = try BuiltProducts.tsvault(command + ["--archive", archive])
            #expect(result.status == 66 && result.errors.contains("no archive at \(archive)"), "\(command): \(result)")
            #expect(!FileManager.default.fileExists(atPath: work + "/typo"), "\(command) created nothing")
        }
    }
}
