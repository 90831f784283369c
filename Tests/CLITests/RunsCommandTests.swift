import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct RunsCommandTests {
    @Test func runsListsEachRunNewestFirstWithItsStatus() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("runs") { work in
                let refused = try ConfigFile.write(port: r.port, key: "tsapi_key_wrong", directory: work, channels: "[1]")
                #expect(try CLI.run("run", "--config", refused, "--now", RunCommandTests.now).status == 1)
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                #expect(try CLI.run("run", "--config", config, "--now", RunCommandTests.now).status == 0)
                let runs = try CLI.run("runs", "--archive", work + "/archive")
                let lines = runs.output.split(separator: "\n")
                #expect(runs.status == 0 && lines.count == 2, "\(runs)")
                #expect(lines[0].hasPrefix("2  2026-") && lines[0].contains("Z  complete  "), "\(runs)")
                #expect(lines[1].hasPrefix("1  2026-") && lines[1].contains("Z  incomplete  "), "\(runs)")
                let json = try CLI.run("runs", "--archive", work + "/archive", "--json")
                struct Run: Decodable {
                    var id: Int
                    var status: String
                    var startedAt: String
                }
                struct Output: Decodable { var runs: [Run] }
                let decoded = try JSONDecoder().decode(Output.self, from: Data(json.output.utf8)).runs
                #expect(decoded.map(\.id) == [2, 1] && decoded.map(\.status) == ["complete", "incomplete"])
                #expect(decoded.allSatisfy { ISO8601DateFormatter().date(from: $0.startedAt) != nil }, "\(json)")
            }
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("runs-archive") { work in
            let result = try CLI.run("runs", "--archive", try CLI.unusableArchive(in: work))
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault runs: "), "\(result)")
        }
    }
}
