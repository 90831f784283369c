import Foundation
import TestSupport
import Testing

/// `tsvault hold release`.
@Suite(.timeLimit(.minutes(5))) struct HoldReleaseCommandTests {
    @Test func aReleaseNeedsAReasonAndAnActiveHold() async throws {
        try await CLI.workspace("hold-release") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            _ = try Holds.add(archive)
            let noReason = try CLI.run("hold", "release", "1", "--reason", " ", "--archive", archive)
            #expect(noReason.status == 64 && noReason.errors == "tsvault hold release: releasing a hold needs a reason\n", "\(noReason)")
            let released = try CLI.run("hold", "release", "1", "--reason", "case closed", "--archive", archive)
            #expect(released.status == 0 && released.output == "hold 1 released\n", "\(released)")
            let again = try CLI.run("hold", "release", "1", "--reason", "twice", "--archive", archive)
            #expect(again.status == 64 && again.errors == "tsvault hold release: no active hold 1\n", "\(again)")
            #expect(try CLI.run("custody", "--archive", archive).output.contains("hold-release  case C-9  by "))
        }
    }
}
