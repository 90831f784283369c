import Foundation
import Nightly
import TestSupport
import Testing

/// `tsvault run`. SIGTERM (exit 75), the run window and the steps after the run are covered
/// in NightlyTests (NightlyJobTests, DaemonTests).
@Suite(.timeLimit(.minutes(5))) struct RunCommandTests {
    static let now = "2026-11-02T01:00:00-05:00"

    @Test func aCompleteRunExits0AndPrintsItsReport() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("run") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                let text = try CLI.run("run", "--config", config, "--now", Self.now)
                #expect(text.status == 0 && text.output.hasPrefix("run 1: COMPLETE"), "\(text)")
                #expect(text.output.contains("server      ch  recorder  before   after  missing  lost  windows  retries  bytes"))
                let json = try CLI.run("run", "--config", config, "--now", Self.now, "--json")
                #expect(json.status == 0, "\(json)")
                let report = try RunReport(storedJSON: json.output)
                #expect(report.runID == 2 && report.complete && report.bytes == 0, "the second run finds nothing missing")
                #expect(report.servers.first?.channels.first?.archivedBefore == 1558)
            }
        }
    }

    @Test func aRecorderRefusingTheKeyExits1AndTheReportSaysWhy() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("run-refused") { work in
                let config = try ConfigFile.write(port: r.port, key: "tsapi_key_wrong", directory: work, channels: "[1]")
                let result = try CLI.run("run", "--config", config, "--now", Self.now)
                #expect(result.status == 1 && result.output.hasPrefix("run 1: INCOMPLETE"), "\(result)")
                #expect(result.output.contains("FAILED: nvr: ") && result.output.contains("401 Unauthorized"), "\(result)")
                #expect(
                    !result.output.contains("tsapi_key_wrong") && !result.errors.contains("tsapi_key_wrong"), "the key is never printed")
            }
        }
    }

    @Test func anInvalidConfigurationExits64NamingTheKey() async throws {
        try await CLI.workspace("run-config") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: "segmentSeconds: 7")
            let result = try CLI.run("run", "--config", config)
            #expect(result.status == 64 && result.errors.contains("tsvault run: \(config): invalid configuration"), "\(result)")
            #expect(result.errors.contains("segmentSeconds"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: work + "/archive"), "nothing was created")
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("run-archive") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            try "not a directory".write(toFile: work + "/archive", atomically: true, encoding: .utf8)
            let result = try CLI.run("run", "--config", config)
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault run: "), "\(result)")
        }
    }

    @Test func aMissingConfigurationFileExits64() throws {
        let result = try CLI.run("run", "--config", "/nonexistent/tsvault.yaml")
        #expect(result.status == 64 && result.errors.contains("/nonexistent/tsvault.yaml"), "\(result)")
    }
}
