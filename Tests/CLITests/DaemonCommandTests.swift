import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

/// `tsvault daemon`. Its runs, metrics, retention, backups and SIGTERM during a run are
/// covered in NightlyTests (DaemonTests).
@Suite(.timeLimit(.minutes(5))) struct DaemonCommandTests {
    @Test func aDaemonWaitingForItsScheduleServesHealthAndStopsOnSIGTERMWithExit0() async throws {
        try await CLI.workspace("daemon") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: "schedule: { daily: \"03:00\" }")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
            process.arguments = ["daemon", "--config", config, "--listen", "127.0.0.1:0"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ProcessDeadline(process, limit: .seconds(60), what: "tsvault daemon")
            var line = ""
            while !line.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line += String(decoding: chunk, as: UTF8.self)
            }
            #expect(line.hasPrefix("tsvault daemon listening on http://127.0.0.1:"), "\(line)")
            let url = line.components(separatedBy: "listening on ").last!.trimmingCharacters(in: .whitespacesAndNewlines) + "/health"
            var health = ""
            for _ in 0..<100 where !health.contains("nextRun") {
                if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10)) {
                    health = String(buffer: try await response.body.collect(upTo: 1 << 16))
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(health.contains("\"nextRun\":") && health.contains("\"status\":\"ok\"") && health.contains("\"runs\":0"), "\(health)")
            kill(process.processIdentifier, SIGTERM)
            try deadline.waitForExit(process)
            #expect(process.terminationStatus == 0)
        }
    }

    @Test func aListenAddressWithoutPortExits64() async throws {
        try await CLI.workspace("daemon-listen") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            let result = try CLI.run("daemon", "--config", config, "--listen", "localhost")
            #expect(result.status == 64 && result.errors.contains("--listen must be HOST:PORT"), "\(result)")
        }
    }
}
