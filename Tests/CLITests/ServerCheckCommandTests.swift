import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ServerCheckCommandTests {
    @Test func aReadyRecorderExits0() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            let result = try CLI.run(
                "server", "check", "--url", "http://127.0.0.1:\(r.port)", "--name", "nvr",
                environment: ["TSVAULT_API_KEY": r.apiKey])
            #expect(result.status == 0 && result.output.hasPrefix("Server       nvr (http://127.0.0.1:\(r.port))"), "\(result)")
            #expect(result.output.contains("Diagnosis    ready for export"))
            #expect(!result.output.contains(r.apiKey) && !result.errors.contains(r.apiKey), "the key is never printed")
        }
    }

    @Test func aWrongKeyExits5() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            let result = try CLI.run("server", "check", "--url", "http://127.0.0.1:\(r.port)", environment: ["TSVAULT_API_KEY": "wrong"])
            #expect(result.status == 5 && result.output.contains("Diagnosis    CREDENTIALS"), "\(result)")
        }
    }

    @Test func anUnreachableRecorderExits3() throws {
        let result = try CLI.run("server", "check", "--url", "http://127.0.0.1:1", environment: ["TSVAULT_API_KEY": "k"])
        #expect(result.status == 3 && result.output.contains("Diagnosis    UNREACHABLE"), "\(result)")
    }

    @Test func aURLWithoutSchemeExits64() throws {
        let result = try CLI.run("server", "check", "--url", "nvr.example")
        #expect(result.status == 64 && result.errors.contains("--url must be an http:// or https:// URL"), "\(result)")
    }
}

/// `tsvault server check --config`: every configured recorder, the worst verdict.
@Suite(.timeLimit(.minutes(5))) struct ServerCheckConfigTests {
    @Test func everyConfiguredRecorderIsCheckedAndTheWorstVerdictIsTheExitCode() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("server-check-config") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                let ready = try CLI.run("server", "check", "--config", config)
                #expect(ready.status == 0 && ready.output.hasPrefix("Server       nvr (http://127.0.0.1:\(r.port))"), "\(ready)")
                // A second recorder whose key is wrong: its verdict decides the exit code.
                try
                    (String(contentsOfFile: config, encoding: .utf8) + """

                          - name: nvr-b
                            url: http://127.0.0.1:\(r.port)
                            apiKey: { env: TSVAULT_WRONG_KEY }
                        """).write(toFile: config, atomically: true, encoding: .utf8)
                let mixed = try CLI.run("server", "check", "--config", config, environment: ["TSVAULT_WRONG_KEY": "tsapi_key_wrong"])
                #expect(
                    mixed.status == 5 && mixed.output.contains("Server       nvr-b") && mixed.output.contains("Diagnosis    CREDENTIALS"),
                    "\(mixed)")
                let both = try CLI.run("server", "check", "--config", config, "--url", "http://127.0.0.1:1")
                #expect(both.status == 64 && both.errors.contains("give --url or --config, not both"), "\(both)")
            }
        }
    }

    /// Under systemd the key comes from LoadCredential=: `{ credential: NAME }` reads
    /// $CREDENTIALS_DIRECTORY/NAME; outside systemd the error says what is missing.
    @Test func aSystemdCredentialIsReadFromTheCredentialsDirectory() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("server-check-credential") { work in
                let credentials = work + "/credentials"
                try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
                try (r.apiKey + "\n").write(toFile: credentials + "/nvr-key", atomically: true, encoding: .utf8)
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
                let text = try String(contentsOfFile: config, encoding: .utf8)
                    .replacingOccurrences(of: "apiKey: { file: \(work)/nvr.key }", with: "apiKey: { credential: nvr-key }")
                try text.write(toFile: config, atomically: true, encoding: .utf8)
                let ready = try CLI.run("server", "check", "--config", config, environment: ["CREDENTIALS_DIRECTORY": credentials])
                #expect(ready.status == 0 && ready.output.contains("Diagnosis    ready for export"), "\(ready)")
                let outside = try CLI.run("server", "check", "--config", config)
                #expect(outside.status == 5 && outside.output.contains("CREDENTIALS_DIRECTORY is not set"), "\(outside)")
                #expect(!(ready.output + outside.output + outside.errors).contains(r.apiKey), "the key is never printed")
            }
        }
    }
}
