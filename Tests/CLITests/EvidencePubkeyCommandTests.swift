import Foundation
import TestSupport
import Testing

/// `tsvault evidence pubkey`.
@Suite(.timeLimit(.minutes(5))) struct EvidencePubkeyCommandTests {
    @Test func theKeyIsCreatedOnceAndPrintedAsHex() async throws {
        try await CLI.workspace("evidence-pubkey") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let first = try CLI.run("evidence", "pubkey", "--archive", work + "/archive")
            let hex = first.output.trimmingCharacters(in: .newlines)
            #expect(first.status == 0 && hex.count == 64 && hex.allSatisfy(\.isHexDigit), "\(first)")
            #expect(try CLI.run("evidence", "pubkey", "--archive", work + "/archive").output == first.output, "the same key every time")
        }
    }
}
