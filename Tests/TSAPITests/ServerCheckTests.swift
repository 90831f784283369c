import AsyncHTTPClient
import Foundation
import NIOCore
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ServerCheckTests {
    func settings(port: Int, key: String) -> ConnectionSettings {
        ConnectionSettings(
            name: "nvr", baseURL: URL(string: "http://127.0.0.1:\(port)")!,
            credential: .apiKey(.literal(Secret(key))), retry: RetryPolicy(maxAttempts: 1))
    }

    /// Creates an API key with `permissions` the way an admin would: JWT login, then POST.
    func createKey(port: Int, permissions: [String]) async throws -> String {
        func post(_ path: String, _ body: [String: Any], bearer: String? = nil) async throws -> [String: Any] {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any] ?? [:]
        }
        let tokens = try await post("/api/v1/auth/login", ["auth": Data("admin:1234".utf8).base64EncodedString()])
        let created = try await post(
            "/api/v1/auth/apikey", ["name": "limited", "permissions": permissions],
            bearer: tokens["accessToken"] as? String)
        return try #require(created["key"] as? String)
    }

    @Test func readyRecorderReportsIdentityZoneChannelsAndPermissions() async throws {
        try await RecorderFixture.with { r in
            let report = await ServerCheck.run(settings(port: r.port, key: r.apiKey))
            #expect(report.verdict == .ready && report.exitCode == 0 && report.problems.isEmpty)
            #expect(report.info?.productName == "TS-NVR" && report.info?.timeZoneName == "Asia/Seoul")
            #expect(report.permissions == ["remote": true, "playback": true, "dataExport": true])
            #expect(report.channels.map(\.chid) == [1, 2, 3, 4])
            #expect(report.channels.allSatisfy { $0.firstDay == "2026-11-23" && $0.lastDay == "2026-11-25" && $0.recordedDays == 3 })
        }
    }

    @Test func missingExportPermissionAndBadKeyAreDiagnosed() async throws {
        try await RecorderFixture.with { r in
            let limited = try await createKey(port: r.port, permissions: ["remote", "playback"])
            let report = await ServerCheck.run(settings(port: r.port, key: limited))
            #expect(report.verdict == .permission && report.exitCode == 6)
            #expect(report.permissions["dataExport"] == false && report.permissions["playback"] == true)
            #expect(report.problems.first?.contains("dataExport") == true)

            let wrong = await ServerCheck.run(settings(port: r.port, key: "tsapi_key_wrong"))
            #expect(wrong.verdict == .credentials && wrong.exitCode == 5)
            #expect(!wrong.problems.joined().contains("tsapi_key_wrong"), "the key never appears in the report")
        }
    }

    @Test func unreachableRecorderIsDiagnosed() async throws {
        var s = settings(port: 1, key: "k")
        s.connectTimeout = .seconds(1)
        let report = await ServerCheck.run(s)
        #expect(report.verdict == .unreachable && report.exitCode == 3)
    }
}
