import Archive
import Foundation
import Nightly
import TSAPI
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ConfigurationTests {
    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyProblemIsNamedByItsKeyPath() throws {
        let path = try write(
            """
            archive: /tmp/a
            lookBackDays: 0
            runWindow: { start: "25:00", end: "06:00" }
            retention: { maxAgeDays: 0, quotaGB: -1, events: { types: [], keepDays: 0, beforeSeconds: -1 } }
            backup: { targets: [relative/disk, /tmp/a/inside], keepSnapshots: 0 }
            scrub: { gbPerRun: 0 }
            servers:
              - name: nvr1
                url: ftp://nvr1
                apiKey: { env: K }
              - name: nvr1
                url: http://user:pw@nvr2:80
                user: admin
              - name: nvr3
                url: http://nvr3
                apiKey: { env: K }
                channels: [0]
            """)
        let (_, problems) = ConfigurationLoader.check(path: path)
        let paths = Set(problems.filter { $0.severity == .error }.map(\.path))
        #expect(
            paths == [
                "lookBackDays", "runWindow.start", "retention.maxAgeDays", "retention.quotaGB", "retention.events.types",
                "retention.events.keepDays", "retention.events.beforeSeconds", "backup.targets[0]", "backup.targets[1]",
                "backup.keepSnapshots", "scrub.gbPerRun", "servers[0].url", "servers[1].name", "servers[1].url",
                "servers[1].password", "servers[2].channels"
            ], "\(problems)")
        #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader.load(path: path) }
    }

    @Test func retentionSettingsBecomeAPolicyThatProtectsTheLookBack() throws {
        let path = try write(
            """
            archive: /tmp/a
            lookBackDays: 3
            retention: { maxAgeDays: 30, quotaGB: 2.5, events: { types: [Motion detection], keepDays: 90 } }
            servers:
              - { name: nvr1, url: "http://nvr1", apiKey: { env: K } }
            """)
        let config = try ConfigurationLoader.load(path: path).0
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let settings = try #require(RetentionSettings.policy(config, now: now))
        #expect(
            settings.policy
                == RetentionPolicy(
                    maxAgeDays: 30, quotaBytes: 2_500_000_000, protectAfter: now.addingTimeInterval(-3 * 86_400),
                    events: EventRetention(names: ["Motion detection"], keepDays: 90, beforeSeconds: 30, afterSeconds: 60)))
        #expect(settings.text == "maxAgeDays 30, quotaGB 2.5, events Motion detection keepDays 90 (-30s/+60s)")
        let none = try ConfigurationLoader.load(
            path: try write("archive: /tmp/a\nservers:\n  - { name: n, url: \"http://x\", apiKey: { env: K } }\n")
        ).0
        #expect(RetentionSettings.policy(none, now: now) == nil)
    }

    @Test func serverTimeoutsBoundEveryWaitAndMustBePositive() throws {
        let path = try write(
            """
            archive: /tmp/a
            servers:
              - name: nvr1
                url: http://nvr1
                apiKey: { env: K }
                timeouts: { connectSeconds: 3, requestSeconds: 7, firstMessageSeconds: 11, idleSeconds: 45, exportSeconds: 600 }
              - name: nvr2
                url: http://nvr2
                apiKey: { env: K }
                timeouts: { idleSeconds: 0, exportSeconds: -5 }
            """)
        let (config, problems) = ConfigurationLoader.check(path: path)
        #expect(Set(problems.map(\.path)) == ["servers[1].timeouts.idleSeconds", "servers[1].timeouts.exportSeconds"], "\(problems)")
        let settings = ConfigurationLoader.connection(try #require(config?.servers.first))
        #expect(settings.connectTimeout == .seconds(3) && settings.requestTimeout == .seconds(7))
        #expect(settings.exportTimeouts == ExportTimeouts(firstMessage: .seconds(11), idle: .seconds(45), session: .seconds(600)))
        let defaults = ConfigurationLoader.connection(try #require(config?.servers.last))
        #expect(defaults.connectTimeout == .seconds(10) && defaults.requestTimeout == .seconds(30))
    }

    @Test func missingAndMistypedKeysAreLocated() throws {
        let missing = ConfigurationLoader.check(path: try write("servers: []\n")).1
        #expect(missing.map(\.path) == ["archive"] && missing.first?.message == "is required")
        let mistyped = ConfigurationLoader.check(
            path: try write("archive: /a\nservers:\n  - name: n\n    url: http://x\n    maxConcurrentExports: many\n")
        ).1
        #expect(mistyped.map(\.path) == ["servers[0].maxConcurrentExports"])
    }

    @Test func secretFilesReadableByOthersAreWarnedAbout() throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        try "tsapi_key_x".write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        let path = try write("archive: /a\nservers:\n  - name: n\n    url: http://x\n    apiKey: { file: \(keyFile) }\n")
        let (config, warnings) = try ConfigurationLoader.load(path: path)
        #expect(config.servers.first?.maxConcurrentExports == 2 && config.lookBackDays == 7)
        #expect(warnings.map(\.path) == ["servers[0].apiKey.file"] && warnings.first?.message.contains("chmod 600") == true)
    }

    @Test func aSecretNamesOneSourceAndACredentialIsAPlainName() throws {
        let two = ConfigurationLoader.check(
            path: try write("archive: /a\nservers:\n  - name: n\n    url: http://x\n    apiKey: { env: K, credential: k }\n")
        ).1
        #expect(two.map(\.description) == ["error: servers[0].apiKey: give one of env:, file:, credential: or value:"])
        let path = ConfigurationLoader.check(
            path: try write("archive: /a\nservers:\n  - name: n\n    url: http://x\n    apiKey: { credential: ../etc/key }\n")
        ).1
        #expect(path.map(\.path) == ["servers[0].apiKey.credential"], "\(path)")
    }
}

/// docs/schemas/config.schema.json, for editors and Scripts/lint.sh, knows the keys the loader
/// knows: no more (an editor would suggest a key `config check` rejects), no fewer.
@Suite struct ConfigurationSchemaTests {
    @Test func theSchemaNamesExactlyTheKeysTheLoaderAccepts() throws {
        let url = URL(fileURLWithPath: Repository.path("docs/schemas/config.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(Self.keyPaths(schema).sorted() == ConfigurationLoader.keyPaths)
        #expect(ConfigurationLoader.keyPaths.contains("servers[].apiKey.credential"))
    }

    /// The key paths of a schema: properties of objects, `[]` for the items of arrays.
    static func keyPaths(_ node: [String: Any], prefix: String = "") -> [String] {
        var paths: [String] = []
        for (name, child) in node["properties"] as? [String: [String: Any]] ?? [:] {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            paths.append(path)
            paths += keyPaths(child, prefix: path)
        }
        if let items = node["items"] as? [String: Any], items["properties"] != nil { paths += keyPaths(items, prefix: prefix + "[]") }
        return paths
    }
}

/// A misspelled key is an error with its path and the key probably meant, never ignored.
@Suite struct UnknownKeyTests {
    static func problems(_ yaml: String) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return ConfigurationLoader.check(path: path).1.filter { $0.severity == .error }.map(\.description).sorted()
    }

    @Test func misspelledKeysAreErrorsWithTheirPathAndASuggestion() throws {
        let problems = try Self.problems(
            """
            archive: /tmp/a
            backups: { targets: [/mnt/a] }
            retention: { maxAgeDay: 30 }
            servers:
              - name: nvr1
                url: http://nvr1
                apiKy: { env: K }
                timeouts: { idleSecond: 5 }
              - { name: nvr2, url: "http://nvr2", apiKey: { env: K, fil: /k } }
            colour: blue
            """)
        #expect(
            problems == [
                "error: backups: unknown key; did you mean backup?",
                "error: colour: unknown key",
                "error: retention.maxAgeDay: unknown key; did you mean maxAgeDays?",
                "error: servers[0].apiKy: unknown key; did you mean apiKey?",
                "error: servers[0].timeouts.idleSecond: unknown key; did you mean idleSeconds?",
                "error: servers[0]: needs apiKey or user with password",
                "error: servers[1].apiKey.fil: unknown key; did you mean file?"
            ], "\(problems)")
    }

    @Test func aMisspelledRequiredKeyIsNamedBesideWhatIsMissing() throws {
        let problems = try Self.problems("archive: /tmp/a\nserver:\n  - { name: n, url: \"http://x\", apiKey: { env: K } }\n")
        #expect(problems == ["error: server: unknown key; did you mean servers?", "error: servers: is required"], "\(problems)")
    }

    @Test func theExampleConfigurationUsesOnlyKnownKeys() throws {
        let example = Repository.path("Config/tsvault.example.yaml")
        // Commented-out settings (`# key: value`, `#   key: value`) uncommented, as an operator
        // enabling every section would; prose comments stay comments.
        let setting = try Regex(#"^( *)# ( *[A-Za-z][A-Za-z0-9]*:( |$).*)$"#)
        let text = try String(contentsOfFile: example, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> String in
                guard let match = try? setting.wholeMatch(in: String(line)) else { return String(line) }
                return String(match.output[1].substring ?? "") + String(match.output[2].substring ?? "")
            }.joined(separator: "\n")
        #expect(text.contains("\nscrub:\n  gbPerRun: 200") && text.contains("\nbackup:\n"), "the commented sections are enabled")
        let problems = try Self.problems(text)
        #expect(!problems.contains { $0.contains("unknown key") || $0.contains("not valid YAML") }, "\(problems)")
    }

    @Test(arguments: [("maxAgeDay", "maxAgeDays"), ("QUOTAGB", "quotaGB"), ("colour", nil), ("evnets", "events")] as [(String, String?)])
    func theSuggestionIsTheNearestKnownKey(_ typo: String, _ meant: String?) throws {
        let problems = try Self.problems("archive: /tmp/a\nretention: { \(typo): 1 }\nservers: []\n")
        let hint = meant.map { "; did you mean \($0)?" } ?? ""
        #expect(problems.contains("error: retention.\(typo): unknown key\(hint)"), "\(problems)")
    }
}
