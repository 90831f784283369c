import Foundation
import TestSupport
import Testing

/// Placing holds, shared by the hold and custody tests.
enum Holds {
    /// `tsvault hold add` for 10:00-10:05 New York on channel 1 of the synthetic archive.
    static func add(_ archive: String, case caseID: String = "C-9", actor: String = "clerk") throws -> BuiltProducts.CommandResult {
        try BuiltProducts.tsvault([
            "hold", "add", "--case", caseID, "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00-05:00",
            "--to", "2026-11-01T10:05:00-05:00", "--reason", "court order", "--actor", actor, "--archive", archive
        ])
    }
}

/// `tsvault hold add`.
@Suite(.timeLimit(.minutes(5))) struct HoldAddCommandTests {
    @Test func aHoldIsPlacedAndLogged() async throws {
        try await CLI.workspace("hold-add") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let added = try Holds.add(work + "/archive")
            #expect(added.status == 0 && added.output == "hold 1 placed\n", "\(added)")
            #expect(try CLI.run("custody", "--archive", work + "/archive").output.contains("hold-add  case C-9  by clerk"))
        }
    }

    @Test func instantsWithoutAnOffsetAreAUsageError() async throws {
        try await CLI.workspace("hold-add-usage") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let result = try CLI.run(
                "hold", "add", "--case", "C", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00",
                "--to", "2026-11-01T11:00:00Z", "--reason", "r", "--archive", work + "/archive")
            #expect(result.status == 64 && result.errors.contains("--from must be ISO 8601 with an offset"), "\(result)")
        }
    }
}
