import Archive
import AsyncHTTPClient
import CoverageReport
import Foundation
import TestSupport
import Testing

/// The daemon's /ui and /status: open on a loopback address, bearer-token only elsewhere (off
/// without a token), the same minutes as the index in a real browser, and no secret anywhere.
@Suite(.timeLimit(.minutes(5))) struct DaemonUITests {
    static let apiKey = "nvr-api-key-S3CR3T-4711"
    static let token = "ui-token-T0K3N-0815"

    /// A daemon on `listen` over the page test's archive, the recorder's key in a file and the
    /// UI token (when `withToken`) in the environment; days in New York like the archive's.
    static func start(_ work: String, listen: String, withToken: Bool) throws -> (Process, String, ProcessDeadline) {
        let daemon = withToken ? "daemon: { uiToken: { env: TSVAULT_TEST_UI_TOKEN }, uiDays: 60 }" : "daemon: { uiDays: 60 }"
        let config = try ConfigFile.write(port: 1, key: apiKey, directory: work, extra: "schedule: { daily: \"03:00\" }\n\(daemon)")
        let started = try DaemonProcess.start(
            ["--config", config, "--listen", listen], environment: ["TSVAULT_TEST_UI_TOKEN": token, "TZ": "America/New_York"],
            limit: .seconds(90))
        let port = try #require(started.url.split(separator: ":").last, "\(started.url)")
        return (started.process, "http://127.0.0.1:\(port)", started.deadline)
    }

    static func get(_ url: String, bearer: String? = nil) async throws -> (status: UInt, body: String, headers: [String: String]) {
        var request = HTTPClientRequest(url: url)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 64 << 20))
        return (response.status.code, body, Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { a, _ in a })
    }

    static func stop(_ daemon: (Process, String, ProcessDeadline)) throws {
        kill(daemon.0.processIdentifier, SIGTERM)
        try daemon.2.waitForExit(daemon.0)
    }

    @Test func onLoopbackThePageIsOpenAndDrawsTheIndexMinuteForMinute() async throws {
        try await CLI.workspace("daemon-ui") { work in
            _ = try await Scenario.make(work)
            let daemon = try Self.start(work, listen: "127.0.0.1:0", withToken: false)
            defer { try? Self.stop(daemon) }
            let page = try await Self.get(daemon.1 + "/ui")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8", "\(page.status)")
            #expect(page.headers["content-security-policy"]?.hasPrefix("default-src 'none';") == true)
            let dom = try Browser.read(Browser.Spec(url: daemon.1 + "/ui#nvr/1/2026-11-01"), work: work)
            for (key, expected) in Scenario.expected {
                let day = try #require(dom.days.first { $0.key == key }, "\(key) on the page")
                #expect(day.minutes == expected.states.map(\.rawValue), "\(key)")
            }
            // /status is the report the page draws, as JSON.
            let status = try await Self.get(daemon.1 + "/status?server=nvr&channel=1&days=60")
            struct Report: Decodable {
                struct Channel: Decodable {
                    struct Day: Decodable {
                        var day: String
                        var states: String
                    }
                    var server: String
                    var channel: Int
                    var days: [Day]
                }
                var schemaVersion: Int
                var timeZone: String
                var channels: [Channel]
            }
            let report = try JSONDecoder().decode(Report.self, from: Data(status.body.utf8))
            #expect(status.status == 200 && report.schemaVersion == 1 && report.timeZone == "America/New_York")
            #expect(report.channels.map(\.channel) == [1] && report.channels[0].days.count == 60, "?channel=1&days=60")
            let first = try #require(report.channels[0].days.first { $0.day == "2026-11-01" })
            let expected = try #require(Scenario.expected["nvr/1/2026-11-01"])
            #expect(first.states == CoverageReport.runLength(expected.states), "\(first.states)")
            let bad = try await Self.get(daemon.1 + "/status?days=0")
            #expect(bad.status == 400 && bad.body == "days must be 1...366, not 0\n", "\(bad)")
        }
    }

    @Test func elsewhereOnlyTheTokenOpensItAndNoSecretAppearsAnywhere() async throws {
        try await CLI.workspace("daemon-ui-token") { work in
            _ = try await Scenario.make(work)
            var bodies: [String] = []
            do {
                let daemon = try Self.start(work, listen: "0.0.0.0:0", withToken: true)
                defer { try? Self.stop(daemon) }
                for path in ["/ui", "/status"] {
                    let none = try await Self.get(daemon.1 + path)
                    let wrong = try await Self.get(daemon.1 + path, bearer: "ui-token-T0K3N-0816")
                    let right = try await Self.get(daemon.1 + path, bearer: Self.token)
                    #expect(none.status == 401 && none.headers["www-authenticate"] == "Bearer realm=\"tsvault\"", "\(path): \(none)")
                    #expect(wrong.status == 401, "\(path) with a wrong token: \(wrong.status)")
                    #expect(right.status == 200 && right.body.contains("\"2026-11-01\""), "\(path) with the token: \(right.status)")
                    bodies += [none.body, wrong.body, right.body]
                }
                for path in ["/health", "/metrics"] { bodies.append(try await Self.get(daemon.1 + path).body) }
            }
            // Without a token configured, another address than loopback keeps the page off.
            let open = try Self.start(work, listen: "0.0.0.0:0", withToken: false)
            defer { try? Self.stop(open) }
            let off = try await Self.get(open.1 + "/ui", bearer: Self.token)
            #expect(off.status == 403 && off.body.contains("daemon.uiToken is not configured"), "\(off)")
            bodies.append(off.body)
            for body in bodies {
                #expect(!body.contains(Self.apiKey) && !body.contains(Self.token), "a secret in a page or JSON")
            }
            #expect(bodies.joined().contains("nvr"), "the bodies were read")
        }
    }
}
