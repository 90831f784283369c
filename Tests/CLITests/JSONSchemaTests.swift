import Archive
import AsyncHTTPClient
import Foundation
import ObjectStore
import TestSupport
import Testing

/// Every `--json` output, produced for real (a simulator, a run, an archive, a backup disk, an
/// evidence package), validated against its schema under docs/schemas/ by Python's jsonschema
/// with format checking, and its instants checked: ISO 8601 with an offset, and within a second
/// of what they describe.
@Suite(.timeLimit(.minutes(8))) struct JSONSchemaTests {
    @Test func everyJSONOutputValidatesAgainstItsSchemaAndItsInstantsAreTrue() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("json-schemas") { work in
                var outputs = Outputs(directory: work + "/outputs")
                try await outputs.produceAll(work: work, port: r.port, key: r.apiKey)
                for failure in try SchemaValidator.failures(outputs.files) { Issue.record(Comment(rawValue: failure)) }
                let schemas = try SchemaValidator.schemaNames()
                #expect(Set(outputs.files.map(\.schema)) == Set(schemas), "every schema is exercised")
                for check in outputs.instantChecks { try check.verify() }
                // TSVAULT_JSON_SAMPLES=DIR keeps the outputs, to read or to start a schema from.
                if let samples = ProcessInfo.processInfo.environment["TSVAULT_JSON_SAMPLES"] {
                    try? FileManager.default.removeItem(atPath: samples)
                    try FileManager.default.copyItem(atPath: outputs.directory, toPath: samples)
                }
                #expect(outputs.instantChecks.count > 20, "\(outputs.instantChecks.count) instants checked")
            }
        }
    }
}

/// The commands, run in the order an operator would, each output kept with its schema.
private struct Outputs {
    struct File {
        var schema: String
        var path: String
    }

    let directory: String
    var files: [File] = []
    var instantChecks: [InstantCheck] = []

    init(directory: String) { self.directory = directory }

    mutating func produceAll(work: String, port: Int, key: String) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let archive = work + "/archive"
        let config = try ConfigFile.write(
            port: port, key: key, directory: work, channels: "[1]", extra: "retention: { maxAgeDays: 4 }")
        let recorder = InstantCheck.Span(from: "2026-10-30T00:00:00-05:00", to: RunCommandTests.now)

        try capture("config-check", ["config", "check", "--config", config])
        try capture("exit-codes", ["exit-codes"])
        try capture(
            "server-check", ["server", "check", "--url", "http://127.0.0.1:\(port)"], environment: ["TSVAULT_API_KEY": key],
            instants: [recorder])
        try capture("plan", ["plan", "--config", config, "--now", RunCommandTests.now], instants: [recorder])
        try capture("run-report", ["run", "--config", config, "--now", RunCommandTests.now], instants: [recorder])
        try capture("run-report", ["report", "1", "--archive", archive], instants: [recorder], wallClockOf: "run")
        try capture("runs", ["runs", "--archive", archive], wallClockOf: "run")
        try capture("status", ["status", "--archive", archive], instants: [recorder], wallClockOf: "run")
        try capture("coverage", ["coverage", "--archive", archive, "--channel", "1"], instants: [recorder])
        try capture("verify", ["verify", "--archive", archive])

        let held = InstantCheck.Span(from: "2026-11-01T10:00:00-05:00", to: "2026-11-01T10:05:00-05:00")
        try run(
            "hold", "add", "--case", "C-9", "--server", "nvr", "--channel", "1", "--from", held.from, "--to", held.to,
            "--reason", "court order", "--archive", archive)
        try capture("holds", ["hold", "list", "--archive", archive], instants: [held, recorder], wallClockOf: "hold add")

        try capture("evidence-init", ["evidence", "init", "--subject", "JSON schema test", "--archive", archive])
        let clip = InstantCheck.Span(from: "2026-11-01T10:02:00-05:00", to: "2026-11-01T10:05:00-05:00")
        try capture(
            "evidence-manifest",
            [
                "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", clip.from, "--to", clip.to, "--case", "C-17",
                "--requester", "Det. Kim", "--reason", "burglary", "--output", work + "/package", "--archive", archive
            ], instants: [clip, recorder])
        try capture("evidence-verification", ["evidence", "verify", work + "/package", "--archive", archive], instants: [clip])
        try capture("custody", ["custody", "--archive", archive], instants: [held, clip], wallClockOf: "hold add")

        let files = try await SyntheticArchive.recordings(channel: 1, minutes: 2, into: work + "/files")
        let file = try #require(files.first)
        try capture(
            "ingest", ["ingest", file, "--server", "cam-ingest", "--channel", "1", "--timezone", "America/New_York", "--archive", archive],
            instants: [recorder])

        try capture("backup-push", ["backup", "push", work + "/disk", "--label", "A", "--archive", archive])
        try capture("backup-status", ["backup", "status", "--archive", archive], wallClockOf: "backup push")
        try capture("backup-verify", ["backup", "verify", work + "/disk", "--full"])
        try capture("backup-restore", ["backup", "restore", work + "/disk", "--to", work + "/restored"])

        // A damaged blob: each command reports it (exit 1), verify naming the minutes it held,
        // a push leaving it out, the second target's check and restore missing it.
        try Self.damageOneBlob(of: archive, at: held.from)
        try capture("verify", ["verify", "--archive", archive], status: 1, instants: [held])
        try capture("backup-push", ["backup", "push", work + "/disk-b", "--label", "B", "--archive", archive], status: 1)
        try capture("backup-status", ["backup", "status", "--archive", archive], wallClockOf: "backup push")
        try capture("backup-verify", ["backup", "verify", work + "/disk-b"], status: 1)
        try capture("backup-restore", ["backup", "restore", work + "/disk-b", "--to", work + "/restored-b"], status: 1)

        let later = "2026-11-20T00:00:00Z"
        let policy = InstantCheck.Span(from: "2026-11-16T00:00:00Z", to: later)
        try capture("retention", ["retention", "--config", config, "--now", later], instants: [policy, recorder])
        try capture("retention", ["retention", "--config", config, "--now", later, "--apply"], instants: [policy, recorder])
        try await captureStatus(work: work, port: port, key: key)
        try await captureStoreRestore(work: work)
    }

    /// The daemon's /status over the archive (days in New York, back to the footage), its
    /// schedule 12 hours away so that no run starts while it is read. Schema only: its `from` is
    /// a day boundary, not an instant of the footage or of the call.
    private mutating func captureStatus(work: String, port: Int, key: String) async throws {
        var zoned = Calendar(identifier: .gregorian)
        zoned.timeZone = SyntheticArchive.zone
        let later = zoned.dateComponents([.hour, .minute], from: Date().addingTimeInterval(12 * 3600))
        let config = try ConfigFile.write(
            port: port, key: key, directory: work, channels: "[1]",
            extra: String(format: "schedule: { daily: \"%02d:%02d\" }", later.hour!, later.minute!))
        let daemon = try DaemonProcess.start(
            ["--config", config, "--listen", "127.0.0.1:0"], environment: ["TZ": SyntheticArchive.zone.identifier], limit: .seconds(60))
        defer {
            kill(daemon.process.processIdentifier, SIGTERM)
            try? daemon.deadline.waitForExit(daemon.process)
        }
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: daemon.url + "/status?days=90"), timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 64 << 20))
        #expect(response.status == .ok && body.contains("\"2026-11-01\""), "/status: \(response.status)")
        let path = "\(directory)/\(files.count)-coverage-report.json"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        files.append(File(schema: "coverage-report", path: path))
    }

    /// An archive whose blobs are in a bucket of the Ceph gateway, its directory rebuilt from
    /// the index snapshot there.
    private mutating func captureStoreRestore(work: String) async throws {
        let s3 = try await CephGateway.bucket("schemas")
        try FileManager.default.createDirectory(atPath: work + "/store", withIntermediateDirectories: true)
        let config = try ConfigFile.write(
            port: 1, key: "k", directory: work + "/store", extra: try CephGateway.storeYAML(bucket: s3.location.bucket, prefix: "site"))
        let source = try Archive(root: work + "/store-source", store: try S3Backend(client: s3, prefix: "site/blobs"))
        _ = try await source.pushIndexSnapshot(to: try S3Backend(client: s3, prefix: "site/index"), keep: 1)
        try capture("store-restore", ["store", "restore", "--config", config])
    }

    /// Runs `tsvault arguments --json`, keeps the output under `schema` and the instants it holds
    /// to be checked against `instants` (spans of the footage and arguments involved) and the
    /// wall clock of this call, or of the earlier call `wallClockOf` whose times it reports.
    private mutating func capture(
        _ schema: String, _ arguments: [String], environment: [String: String] = [:], status: Int32 = 0,
        instants: [InstantCheck.Span] = [],
        wallClockOf earlier: String? = nil
    ) throws {
        let started = Date()
        let result = try BuiltProducts.tsvault(arguments + ["--json"], environment: environment)
        let finished = Date()
        #expect(result.status == status, "\(arguments.joined(separator: " ")): \(result)")
        let path = "\(directory)/\(files.count)-\(schema).json"
        try result.output.write(toFile: path, atomically: true, encoding: .utf8)
        files.append(File(schema: schema, path: path))
        let name = arguments.prefix { !$0.hasPrefix("-") && !$0.hasPrefix("/") && !$0.first!.isNumber }.joined(separator: " ")
        let now = InstantCheck.Span(from: started, to: finished)
        wallClocks[name, default: []].append(now)
        let spans = instants + [now] + (earlier.map { wallClocks[$0] ?? [] } ?? [])
        instantChecks.append(InstantCheck(command: name, output: result.output, spans: spans))
    }

    /// When each command ran (every time it ran), by its name.
    private var wallClocks: [String: [InstantCheck.Span]] = [:]

    /// Flips a byte in the middle of the blob of the segment starting at `instant`.
    private static func damageOneBlob(of root: String, at instant: String) throws {
        let archive = try Archive(existing: root)
        let start = try #require(InstantCheck.Span.parse(instant)).unixMicros
        let segment = try #require(try archive.segments(server: "nvr", channel: 1).first { $0.startMicros == start })
        let path = archive.blobs.path(of: segment.sha256)
        chmod(path, 0o644)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    private mutating func run(_ arguments: String...) throws {
        let started = Date()
        let result = try BuiltProducts.tsvault(arguments)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result)")
        wallClocks[arguments.prefix(2).joined(separator: " "), default: []].append(InstantCheck.Span(from: started, to: Date()))
    }
}

/// The instants of one output: each must be ISO 8601 with an offset and fall within a second of
/// one of the spans that are the truth for it (the footage, the range asked for, the moment the
/// command ran).
private struct InstantCheck {
    struct Span {
        var from: String
        var to: String
        init(from: String, to: String) {
            self.from = from
            self.to = to
        }
        init(from: Date, to: Date) {
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            self.from = format.string(from: from)
            self.to = format.string(from: to)
        }
        var dates: ClosedRange<Date> { Self.parse(from)!.addingTimeInterval(-1)...Self.parse(to)!.addingTimeInterval(1) }

        static func parse(_ text: String) -> Date? {
            let plain = ISO8601DateFormatter()
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return plain.date(from: text) ?? fractional.date(from: text)
        }
    }

    var command: String
    var output: String
    var spans: [Span]

    func verify() throws {
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8))
        for (path, text) in Self.strings(in: json, path: "") where text.prefixMatch(of: /\d{4}-\d{2}-\d{2}T/) != nil {
            guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/) != nil,
                let date = Span.parse(text)
            else {
                Issue.record("\(command) --json: \(path) = \(text) is not an ISO 8601 instant with an offset")
                continue
            }
            #expect(spans.contains { $0.dates.contains(date) }, "\(command) --json: \(path) = \(text) is outside \(spans)")
        }
    }

    private static func strings(in value: Any, path: String) -> [(String, String)] {
        switch value {
        case let text as String: return [(path, text)]
        case let list as [Any]: return list.enumerated().flatMap { strings(in: $1, path: "\(path)[\($0)]") }
        case let object as [String: Any]: return object.flatMap { strings(in: $1, path: path + "." + $0) }
        default: return []
        }
    }
}

/// docs/schemas/*.schema.json and Scripts/check-json-schemas.py, which validates with Python's
/// jsonschema (Draft 2020-12, formats checked).
private enum SchemaValidator {
    static func schemaNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Repository.path("docs/schemas"))
            .filter { $0.hasSuffix(".schema.json") && $0 != "config.schema.json" }
            .map { String($0.dropLast(".schema.json".count)) }
    }

    /// One line per output that does not validate: its file and jsonschema's message.
    static func failures(_ files: [Outputs.File]) throws -> [String] {
        let (status, text) = try PythonScript.run(
            "Scripts/check-json-schemas.py", files.flatMap { [Repository.path("docs/schemas/\($0.schema).schema.json"), $0.path] })
        let failures = text.split(separator: "\n").filter { !$0.hasPrefix("ok ") }.map(String.init)
        if status != 0, failures.isEmpty { return ["check-json-schemas.py exited \(status)"] }
        if status == 0, !failures.isEmpty { return ["check-json-schemas.py passed but said: \(text)"] }
        return failures
    }
}
