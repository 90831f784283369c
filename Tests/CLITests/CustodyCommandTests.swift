import Foundation
import GRDB
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct CustodyCommandTests {
    @Test func anIntactChainExits0AndListsItsEntries() async throws {
        try await CLI.workspace("custody") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            _ = try Holds.add(archive, case: "C-1")
            _ = try Holds.add(archive, case: "C-2")
            let custody = try CLI.run("custody", "--archive", archive)
            #expect(custody.status == 0 && custody.output.hasSuffix("chain intact (2 entries)\n"), "\(custody)")
            let one = try CLI.run("custody", "--case", "C-2", "--archive", archive)
            #expect(one.output.contains("case C-2  by clerk") && !one.output.contains("case C-1"), "\(one)")
        }
    }

    @Test func aChangedEntryBreaksTheChainWithExit1() async throws {
        try await CLI.workspace("custody-broken") { work in
            let archive = work + "/archive"
            _ = try await CLI.syntheticArchive(in: work)
            _ = try Holds.add(archive)
            let db = try DatabaseQueue(path: archive + "/index.sqlite")
            try await db.write { try $0.execute(sql: "UPDATE custody_log SET actor = 'mallory'") }
            try db.close()
            let broken = try CLI.run("custody", "--archive", archive)
            #expect(broken.status == 1 && broken.output.contains("CHAIN BROKEN:"), "\(broken)")
        }
    }
}
