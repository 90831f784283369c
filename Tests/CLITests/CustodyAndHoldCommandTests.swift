import Foundation
import GRDB
import TestSupport
import Testing

/// `tsvault custody` and `tsvault hold add|list|release`.
@Suite(.timeLimit(.minutes(5))) struct CustodyAndHoldCommandTests {
    @Test func holdsArePlacedListedAndReleasedWithAReasonAndTheCustodyChainStaysIntact() async throws {
        try await CLI.workspace("hold") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            let added = try CLI.run(
                "hold", "add", "--case", "C-9", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00-05:00",
                "--to", "2026-11-01T10:05:00-05:00", "--reason", "court order", "--actor", "clerk", "--archive", archive)
            #expect(added.status == 0 && added.output == "hold 1 placed\n", "\(added)")
            let listed = try CLI.run("hold", "list", "--archive", archive)
            #expect(listed.output == "1  case C-9  nvr CH1  2026-11-01T15:00:00Z – 2026-11-01T15:05:00Z  court order\n", "\(listed)")
            let noReason = try CLI.run("hold", "release", "1", "--reason", " ", "--archive", archive)
            #expect(noReason.status == 64 && noReason.errors == "tsvault hold release: releasing a hold needs a reason\n", "\(noReason)")
            let released = try CLI.run("hold", "release", "1", "--reason", "case closed", "--archive", archive)
            #expect(released.status == 0 && released.output == "hold 1 released\n", "\(released)")
            #expect(try CLI.run("hold", "list", "--archive", archive).output.isEmpty)
            #expect(try CLI.run("hold", "list", "--all", "--archive", archive).output.contains("released "))
            let again = try CLI.run("hold", "release", "1", "--reason", "twice", "--archive", archive)
            #expect(again.status == 64 && again.errors == "tsvault hold release: no active hold 1\n", "\(again)")

            let custody = try CLI.run("custody", "--archive", archive)
            #expect(custody.status == 0 && custody.output.hasSuffix("chain intact (2 entries)\n"), "\(custody)")
            #expect(try CLI.run("custody", "--case", "C-9", "--archive", archive).output.contains("case C-9  by clerk"))
        }
    }

    @Test func aChangedCustodyEntryBreaksTheChainWithExit1() async throws {
        try await CLI.workspace("custody") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            _ = try CLI.run(
                "hold", "add", "--case", "C-9", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00-05:00",
                "--to", "2026-11-01T10:05:00-05:00", "--reason", "court order", "--archive", archive)
            let db = try DatabaseQueue(path: archive + "/index.sqlite")
            try await db.write { try $0.execute(sql: "UPDATE custody_log SET actor = 'mallory'") }
            try db.close()
            let broken = try CLI.run("custody", "--archive", archive)
            #expect(broken.status == 1 && broken.output.contains("CHAIN BROKEN:"), "\(broken)")
        }
    }
}
