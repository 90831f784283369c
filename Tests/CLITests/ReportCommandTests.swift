import Foundation
import Nightly
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ReportCommandTests {
    @Test func aCompleteRunsReportExits0InTheShapeRunPrintedIt() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("report") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                let run = try CLI.run("run", "--config", config, "--now", RunCommandTests.now, "--json")
                #expect(run.status == 0, "\(run)")
                let report = try CLI.run("report", "1", "--archive", work + "/archive")
                #expect(report.status == 0 && report.output.hasPrefix("run 1: COMPLETE"), "\(report)")
                let json = try CLI.run("report", "1", "--archive", work + "/archive", "--json")
                let decoded = try RunReport(storedJSON: json.output)
                #expect(json.status == 0 && decoded.runID == 1 && decoded.complete, "\(json)")
                #expect(json.output == run.output, "run --json and report --json print the same report the same way")
                #expect(json.output.contains("\"startedAt\" : \"20") && !json.output.contains("\\/"), "ISO 8601 instants, plain slashes")
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
                let json = try CLI.run("report", "1", "--archive", work + "/archive", "--json")
                let decoded = try RunReport(storedJSON: json.output)
                #expect(json.status == 1 && !decoded.complete, "\(json)")
                let unknown = try CLI.run("report", "99", "--archive", work + "/archive")
                #expect(unknown.status == 1 && unknown.errors.contains("run 99 has no report"), "\(unknown)")
            }
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("report-archive") { work in
            let result = try CLI.run("report", "1", "--archive", try CLI.unusableArchive(in: work))
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault report: "), "\(result)")
        }
    }
}
