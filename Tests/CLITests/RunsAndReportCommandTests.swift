import Foundation
import Nightly
import TestSupport
import Testing

/// `tsvault runs` and `tsvault report`, over runs made by `tsvault run`.
@Suite(.timeLimit(.minutes(5))) struct RunsAndReportCommandTests {
    @Test func runsListsEachRunAndReportPrintsACompleteOneWithExit0() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("runs") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                #expect(try CLI.run("run", "--config", config, "--now", RunCommandTests.now).status == 0)
                let runs = try CLI.run("runs", "--archive", work + "/archive")
                #expect(runs.status == 0 && runs.output.hasPrefix("1  2026-") && runs.output.contains("  complete  "), "\(runs)")
                let report = try CLI.run("report", "1", "--archive", work + "/archive")
                #expect(report.status == 0 && report.output.hasPrefix("run 1: COMPLETE"), "\(report)")
                let json = try CLI.run("report", "1", "--archive", work + "/archive", "--json")
                let decoded = try RunReport(storedJSON: json.output)
                #expect(json.status == 0 && decoded.runID == 1, "\(json)")
                // The same report in the same shape from both commands.
                let again = try CLI.run("run", "--config", config, "--now", RunCommandTests.now, "--json")
                let stored = try CLI.run("report", "2", "--archive", work + "/archive", "--json")
                #expect(again.output == stored.output, "run --json and report --json differ")
                #expect(
                    stored.output.contains("\"startedAt\" : \"20") && !stored.output.contains("\\/"), "ISO 8601 instants, plain slashes")
            }
        }
    }

    @Test func anIncompleteRunsReportExits1AndAnUnknownRunExits1() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("report-incomplete") { work in
                let config = try ConfigFile.write(port: r.port, key: "tsapi_key_wrong", directory: work, channels: "[1]")
                #expect(try CLI.run("run", "--config", config, "--now", RunCommandTests.now).status == 1)
                let report = try CLI.run("report", "1", "--archive", work + "/archive")
                #expect(report.status == 1 && report.output.hasPrefix("run 1: INCOMPLETE"), "\(report)")
                let unknown = try CLI.run("report", "99", "--archive", work + "/archive")
                #expect(unknown.status == 1 && unknown.errors.contains("run 99 has no report"), "\(unknown)")
            }
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("runs-archive") { work in
            let archive = try CLI.unusableArchive(in: work)
            for command in [["runs"], ["report", "1"]] {
                let result = try BuiltProducts.tsvault(command + ["--archive", archive])
                #expect(result.status == 74 && result.errors.hasPrefix("tsvault \(command[0]): "), "\(result)")
            }
        }
    }
}
