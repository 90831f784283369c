import Foundation
import TestSupport
import Testing

/// `--log-level`, `--log-format` and their environment variables: one line per event on
/// standard error, in the form the reader of that stream expects.
@Suite(.timeLimit(.minutes(2))) struct LoggingTests {
    /// `server check` against a closed port with two attempts: one retry, logged at info.
    static let unreachable = ["server", "check", "--url", "http://127.0.0.1:1"]

    @Test func jsonLinesCarryTimeLevelMessageAndMetadata() throws {
        let result = try BuiltProducts.tsvault(
            Self.unreachable + ["--log-level", "info", "--log-format", "json"], environment: ["TSVAULT_API_KEY": "tsapi_key_secret"])
        #expect(result.status == 3, "\(result)")
        let lines = result.errors.split(separator: "\n").filter { $0.hasPrefix("{") }
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == lines.count, "every line is a JSON object: \(result.errors)")
        let retry = try #require(events.first { $0["message"] as? String == "retrying" }, "\(result.errors)")
        #expect(retry["level"] as? String == "info" && retry["label"] as? String == "tsvault")
        #expect((retry["metadata"] as? [String: String])?["server"] == "127.0.0.1", "\(retry)")
        let time = try #require(retry["time"] as? String)
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let at = try #require(format.date(from: time))
        #expect(abs(at.timeIntervalSinceNow) < 60, "\(time)")
        #expect(!result.errors.contains("tsapi_key_secret"), "no secret in the log")
    }

    /// journald names its stream in JOURNAL_STREAM (device:inode); when that is standard error,
    /// lines get a syslog priority prefix and no timestamp of their own.
    @Test func underJournaldLinesHaveAPriorityPrefixAndNoTimestamp() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
        process.arguments = Self.unreachable
        let errors = Pipe()
        var status = stat()
        #expect(fstat(errors.fileHandleForWriting.fileDescriptor, &status) == 0)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "TSVAULT_API_KEY": "k", "TSVAULT_LOG_LEVEL": "info", "JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"
        ]) { $1 }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try errors.fileHandleForWriting.close()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let retry = text.split(separator: "\n").first { $0.contains("retrying") }
        #expect(retry?.hasPrefix("<6>retrying ") == true && retry?.contains(" server=127.0.0.1") == true, "\(text)")
    }

    @Test func aTerminalOrFileGetsTimestampedTextAndAnUnknownLevelIsAUsageError() throws {
        let text = try BuiltProducts.tsvault(Self.unreachable + ["--log-level", "info"], environment: ["TSVAULT_API_KEY": "k"])
        let retry = text.errors.split(separator: "\n").first { $0.contains("retrying") }
        #expect(retry?.wholeMatch(of: /\d{4}-\d\d-\d\dT[0-9:.]+Z info tsvault: retrying .*/) != nil, "\(text.errors)")
        let quiet = try BuiltProducts.tsvault(Self.unreachable, environment: ["TSVAULT_API_KEY": "k"])
        #expect(!quiet.errors.contains("retrying"), "server check logs nothing by default: \(quiet.errors)")
        let bad = try BuiltProducts.tsvault(Self.unreachable, environment: ["TSVAULT_API_KEY": "k", "TSVAULT_LOG_LEVEL": "loud"])
        #expect(bad.status == 64 && bad.errors.contains("TSVAULT_LOG_LEVEL=loud is not a valid value"), "\(bad)")
    }
}
