import Foundation
import TestSupport
import Testing

/// `tsvault status`; each attention condition is covered in NightlyTests (StatusTests).
@Suite(.timeLimit(.minutes(5))) struct StatusCommandTests {
    @Test func anArchiveNoRunHasFilledNeedsAttentionWithExit1() async throws {
        try await CLI.workspace("status") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let result = try CLI.run("status", "--archive", work + "/archive")
            #expect(result.status == 1, "\(result)")
            #expect(result.output.hasPrefix("archive: 10 segments, "), "\(result)")
            #expect(result.output.contains("STATUS: ATTENTION\n  - no nightly run has finished yet (tsvault run)"), "\(result)")
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("status-archive") { work in
            let result = try CLI.run("status", "--archive", try CLI.unusableArchive(in: work))
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault status: "), "\(result)")
        }
    }
}
