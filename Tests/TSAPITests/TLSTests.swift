import Foundation
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// HTTPS and WSS against a simulator with a self-signed certificate: verification is on by
/// default, trusting that certificate through a CA file works, a name mismatch still fails.
@Suite(.timeLimit(.minutes(5))) struct TLSTests {
    struct Certificate {
        var cert: String
        var key: String
    }

    /// A self-signed certificate from the openssl command line, for `subjectAltName`.
    static func makeCertificate(altName: String) throws -> Certificate {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cert = dir + "/cert.pem"
        let key = dir + "/key.pem"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=tsapi-sim", "-addext", "subjectAltName=\(altName)"
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        try ProcessDeadline(process, limit: .seconds(60), what: "openssl req").waitForExit(process)
        guard process.terminationStatus == 0 else { throw FixtureError("openssl failed") }
        return Certificate(cert: cert, key: key)
    }

    func withTLSRecorder(_ certificate: Certificate, _ body: @Sendable (Int, String) async throws -> Void) async throws {
        let config = RecorderFixture.configuration {
            $0.tlsCertificateFile = certificate.cert
            $0.tlsKeyFile = certificate.key
            $0.urlScheme = "https"
        }
        let simulator = try await Simulator.prepare(config)
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        try await simulator.withRunning { port in try await body(port, simulator.apiKey) }
    }

    func settings(port: Int, key: String, caFile: String?) -> ConnectionSettings {
        var s = ConnectionSettings(
            name: "tls-nvr", baseURL: URL(string: "https://127.0.0.1:\(port)")!, credential: .apiKey(.literal(Secret(key))),
            tls: TLSSettings(caFile: caFile), retry: RetryPolicy(maxAttempts: 1))
        // A refused handshake is retried by the connection pool until the connect timeout.
        s.connectTimeout = .seconds(2)
        return s
    }

    @Test func selfSignedRecorderIsRefusedByDefaultAndWorksWithItsCertificateAsCA() async throws {
        let certificate = try Self.makeCertificate(altName: "IP:127.0.0.1")
        try await withTLSRecorder(certificate) { port, key in
            let refused = await ServerCheck.run(settings(port: port, key: key, caFile: nil))
            #expect(refused.verdict == .tls && refused.exitCode == 4, "\(refused.problems)")

            let trusted = settings(port: port, key: key, caFile: certificate.cert)
            let report = await ServerCheck.run(trusted)
            #expect(report.verdict == .ready && report.permissions["dataExport"] == true, "\(report.problems)")

            // A whole export over WSS with downloads over HTTPS.
            try await TSAPIClient.withClient(trusted) { client in
                let zone = try client.timeZone(of: try await client.serverInfo())
                let directory = try RecorderFixture.directory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let request = ExportRequest(
                    channels: [1], begin: zone.parse("2026-11-25T10:00:00")!, end: zone.parse("2026-11-25T10:00:30")!)
                let outcome = try await ExportDriver(client: client, zone: zone).run(request, into: directory) { set in
                    #expect(set.video?.md5.count == 32)
                }
                #expect(outcome.fileSets == 1)
            }
        }
    }

    @Test func certificateForAnotherNameFailsEvenWhenTrusted() async throws {
        let certificate = try Self.makeCertificate(altName: "DNS:other.example")
        try await withTLSRecorder(certificate) { port, key in
            let report = await ServerCheck.run(settings(port: port, key: key, caFile: certificate.cert))
            #expect(report.verdict == .tls, "host name checking stays on: \(report.problems)")
        }
    }
}
