import Foundation
import TestSupport
import Testing

/// `tsvault hold list`.
@Suite(.timeLimit(.minutes(5))) struct HoldListCommandTests {
    @Test func activeHoldsAreListedAndReleasedOnesOnlyWithAll() async throws {
        try await CLI.workspace("hold-list") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            _ = try Holds.add(archive)
            let listed = try CLI.run("hold", "list", "--archive", archive)
            #expect(
                listed.status == 0 && listed.output == "1  case C-9  nvr CH1  2026-11-01T15:00:00Z – 2026-11-01T15:05:00Z  court order\n",
                "\(listed)")
            _ = try CLI.run("hold", "release", "1", "--reason", "case closed", "--archive", archive)
            #expect(try CLI.run("hold", "list", "--archive", archive).output.isEmpty)
            #expect(try CLI.run("hold", "list", "--all", "--archive", archive).output.contains("  released 20"))
        }
    }
}
