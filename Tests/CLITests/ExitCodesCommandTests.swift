import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ExitCodesCommandTests {
    /// The README's table is the one the code decides with, so neither can drift.
    @Test func theREADMEListsExactlyTheExitCodesTheCodeUses() throws {
        let table = try CLI.run("exit-codes")
        #expect(table.status == 0)
        let readme = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        #expect(readme.contains(table.output.trimmingCharacters(in: .newlines)), "README.md must contain:\n\(table.output)")
        #expect(table.output.hasPrefix("| code | meaning |\n| ---: | --- |\n| 0 | "))
    }

    @Test func jsonListsEveryCodeOnce() throws {
        let result = try CLI.run("exit-codes", "--json")
        #expect(result.status == 0)
        struct Code: Decodable {
            var code: Int32
            var meaning: String
        }
        struct Output: Decodable { var codes: [Code] }
        let codes = try JSONDecoder().decode(Output.self, from: Data(result.output.utf8)).codes
        #expect(codes.map(\.code) == [0, 1, 3, 4, 5, 6, 7, 8, 64, 65, 66, 70, 74, 75])
        #expect(codes.allSatisfy { !$0.meaning.isEmpty })
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let result = try CLI.run("exit-codes", "--bogus")
        #expect(result.status == 64 && result.errors.contains("Unknown option '--bogus'"), "\(result)")
    }
}
