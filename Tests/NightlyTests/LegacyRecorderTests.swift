import Archive
import Foundation
import Nightly
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// Nightly runs against a recorder older than v3.0 (the legacy API), found out on connecting:
/// the same segments as from a v1 recorder, and the password never in a log line.
@Suite(.timeLimit(.minutes(5))) struct LegacyRecorderTests {
    /// Runs once against `mode` (API detected: `api` is not configured) and returns each
    /// channel's archived segments (start, SHA-256).
    static func archive(_ mode: SimulatorConfiguration.APIMode) async throws -> (segments: [[String]], report: RunReport) {
        try await NightlyRunTests.withRecorder(mode) { r in
            let work = try FixtureDirectory.make("legacy-\(mode.rawValue)")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 2, 4]", userPassword: true)
            let archive = try Archive(root: config.archive)
            let report = try await Runner(config: config, archive: archive, logger: NightlyRunTests.quiet).run(
                now: NightlyRunTests.recorderNow)
            let segments = try [1, 2, 4].map { channel in
                try archive.segmentDetails(server: "nvr", channel: channel, from: 0, to: .max).map { "\($0.startMicros) \($0.sha256)" }
            }
            return (segments, report)
        }
    }

    @Test func aLegacyRecorderGivesTheSameSegmentsAsAV1One() async throws {
        let v1 = try await Self.archive(.v1)
        let legacy = try await Self.archive(.legacy)
        #expect(v1.report.complete && legacy.report.complete, "\(RunReportText.render(legacy.report))")
        let counts = legacy.segments.map(\.count)
        #expect(counts == v1.segments.map(\.count) && counts.allSatisfy { $0 > 0 }, "\(counts) against \(v1.segments.map(\.count))")
        let differing = zip(legacy.segments, v1.segments).map { zip($0, $1).filter { $0 != $1 }.count }
        #expect(differing == [0, 0, 0], "the same minutes give byte-identical segments whichever API exported them")
    }

    @Test func noLogLineOrReportOfALegacyRunCarriesThePassword() async throws {
        try await NightlyRunTests.withRecorder(.legacy) { r in
            let work = try FixtureDirectory.make("legacy-log")
            defer { try? FileManager.default.removeItem(atPath: work) }
            _ = try NightlyRunTests.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1]", userPassword: true)
            // Faults that make the worker log what it retries: a cut download and a 500.
            try await r.arm("cutDownload:200000x2")
            try await r.arm("http500x1")
            let run = try BuiltProducts.tsvault([
                "run", "--config", work + "/tsvault.yaml", "--now", "2026-11-02T01:00:00-05:00", "--log-level", "trace",
                "--log-format", "json", "--json"
            ])
            #expect(run.status == 0, "\(run)")
            #expect(run.errors.contains("download interrupted, resuming") && run.errors.contains("retrying"), "\(run.errors.prefix(2000))")
            let base64 = Data("admin:1234".utf8).base64EncodedString()
            let everything = run.output + run.errors
            #expect(!everything.contains(base64) && !everything.contains(base64.replacingOccurrences(of: "=", with: "%3D")))
            #expect(everything.range(of: #"auth=(?!<secret>)"#, options: .regularExpression) == nil)
            #expect(!everything.contains("1234\""), "the password itself")
        }
    }

    @Test func serverCheckSaysWhichAPIAnsweredAndTheUsersRights() async throws {
        try await NightlyRunTests.withRecorder(.legacy) { r in
            let work = try FixtureDirectory.make("legacy-check")
            defer { try? FileManager.default.removeItem(atPath: work) }
            _ = try NightlyRunTests.configuration(port: r.port, key: r.apiKey, directory: work, userPassword: true)
            let check = try BuiltProducts.tsvault(["server", "check", "--config", work + "/tsvault.yaml"])
            #expect(check.status == 0 && check.output.contains("API          legacy (a recorder before v3.0"), "\(check)")
            #expect(check.output.contains("TS-API@0.9.20") && check.output.contains("ready for export"))
            let json = try BuiltProducts.tsvault(["server", "check", "--config", work + "/tsvault.yaml", "--json"])
            let servers = try #require(
                (try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])?["servers"] as? [[String: Any]])
            #expect(servers.first?["api"] as? String == "legacy")
            // Without a configuration: --url with --user asks the recorder too (--api auto).
            let byURL = try BuiltProducts.tsvault([
                "server", "check", "--url", "http://127.0.0.1:\(r.port)", "--user", "admin", "--password-file", work + "/nvr.key"
            ])
            #expect(byURL.status == 0 && byURL.output.contains("API          legacy"), "\(byURL)")
            let forced = try BuiltProducts.tsvault([
                "server", "check", "--url", "http://127.0.0.1:\(r.port)", "--api", "v1", "--user", "admin"
            ])
            #expect(forced.status == 7, "a legacy recorder asked in v1 is a protocol error: \(forced)")
            let typo = try BuiltProducts.tsvault(["server", "check", "--url", "http://127.0.0.1:\(r.port)", "--api", "v2"])
            #expect(typo.status == 64 && typo.errors.contains("--api must be auto, v1 or legacy"), "\(typo)")
        }
    }

    @Test func aRecorderThatSpeaksNeitherAPIIsAProtocolErrorThatSaysSo() async throws {
        let report = try await NightlyRunTests.withRecorder(.v1) { r in
            // A web server that is no recorder: the simulator's control path answers neither info.
            var settings = r.client.settings
            settings.api = nil
            settings.baseURL = URL(string: "http://127.0.0.1:\(r.port)/sim/v1/nothing-here")!
            return await ServerCheck.run(settings)
        }
        #expect(report.verdict == .protocolError && report.api == nil)
        #expect(report.problems.joined().contains("neither TS-API v1"), "\(report.problems)")
    }
}
