import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct PlanCommandTests {
    @Test func planListsWhatARunWouldExportAndExportsNothing() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("plan") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                let result = try CLI.run("plan", "--config", config, "--now", RunCommandTests.now)
                #expect(result.status == 0, "\(result)")
                #expect(result.output.hasPrefix("nvr CH1: recorder 1558 min, archived 0, missing 1558 in "), "\(result)")
                #expect(result.output.contains("1 channels, 2 channel-days: recorder queries "))
                #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/archive/tmp").isEmpty)
                #expect(try CLI.run("runs", "--archive", work + "/archive").output.isEmpty, "a plan is not a run")
            }
        }
    }

    @Test func aRecorderThatCannotBePlannedExits1() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("plan-refused") { work in
                let config = try ConfigFile.write(port: r.port, key: "tsapi_key_wrong", directory: work, channels: "[1]")
                let result = try CLI.run("plan", "--config", config, "--now", RunCommandTests.now)
                #expect(
                    result.status == 1 && result.errors.hasPrefix("tsvault plan: nvr: ") && result.errors.contains("401 Unauthorized"),
                    "\(result)")
                #expect(!result.errors.contains("nvr: nvr:"), "the recorder is named once: \(result)")
            }
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("plan-archive") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            try "not a directory".write(toFile: work + "/archive", atomically: true, encoding: .utf8)
            let result = try CLI.run("plan", "--config", config)
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault plan: "), "\(result)")
        }
    }
}
