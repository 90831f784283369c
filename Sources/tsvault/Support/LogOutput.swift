import ArgumentParser
import Foundation
import Logging

/// How log lines look on standard error.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `journal` when standard error is the journal (systemd sets JOURNAL_STREAM), else `text`.
    case auto
    /// `2026-12-02T01:00:03Z notice tsvault: run finished run=12 complete=true`
    case text
    /// `<5>run finished run=12 complete=true`: journald adds the time and maps `<5>` to the
    /// priority, so `journalctl -p warning` filters as it should.
    case journal
    /// One JSON object per line: time, level, label, message, metadata.
    case json

    /// `auto` resolved: journald identifies its stream by device and inode in JOURNAL_STREAM.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) -> LogFormat {
        guard self == .auto else { return self }
        guard let stream = environment["JOURNAL_STREAM"] else { return .text }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return .text }
        return stream == "\(status.st_dev):\(status.st_ino)" ? .journal : .text
    }
}

/// `--log-level`'s values: swift-log's levels (a type of ours, so the option parses them
/// without a conformance of swift-log's type to swift-argument-parser's protocol).
enum LogLevel: String, CaseIterable, ExpressibleByArgument, Sendable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
}

/// `--log-level` and `--log-format` of the commands that log (run, daemon, server check,
/// evidence extract). The environment gives defaults for units and cron: TSVAULT_LOG_LEVEL,
/// TSVAULT_LOG_FORMAT; an option beats it, and it beats the command's own default.
struct LoggingOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical (env TSVAULT_LOG_LEVEL; default: the command's).")
    var logLevel: LogLevel?
    @Option(help: "auto (journal under systemd, text otherwise), text, journal or json (env TSVAULT_LOG_FORMAT).")
    var logFormat: LogFormat?

    /// The process's logger: logging bootstrapped (once) with the format, at the level asked for.
    func logger(defaultLevel: Logger.Level, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Logger {
        let level = try logLevel ?? Self.parse(environment["TSVAULT_LOG_LEVEL"], as: LogLevel.self, name: "TSVAULT_LOG_LEVEL")
        let format = try logFormat ?? Self.parse(environment["TSVAULT_LOG_FORMAT"], as: LogFormat.self, name: "TSVAULT_LOG_FORMAT")
        LogOutput.bootstrap((format ?? .auto).resolved(environment: environment))
        var logger = Logger(label: "tsvault")
        logger.logLevel = level?.level ?? defaultLevel
        return logger
    }

    private static func parse<T: RawRepresentable>(_ text: String?, as: T.Type, name: String) throws -> T? where T.RawValue == String {
        guard let text, !text.isEmpty else { return nil }
        guard let value = T(rawValue: text.lowercased()) else { throw ValidationError("\(name)=\(text) is not a valid value") }
        return value
    }
}

/// The one log handler of the process, bootstrapped once by the command that logs.
enum LogOutput {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    static func bootstrap(_ format: LogFormat) {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format) }
    }
}

/// Writes each event as one line to standard error, in the chosen format.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = Self.line(format: format, label: label, level: event.level, message: "\(event.message)", metadata: merged, at: Date())
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// One event as a line, without the newline.
    static func line(format: LogFormat, label: String, level: Logger.Level, message: String, metadata: Logger.Metadata, at: Date) -> String
    {
        let pairs = metadata.sorted { $0.key < $1.key }
        switch format {
        case .json:
            var object: [String: Any] = ["time": iso(at), "level": level.rawValue, "label": label, "message": message]
            if !pairs.isEmpty { object["metadata"] = Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, "\($0.value)") }) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        case .journal:
            return "<\(syslogPriority(level))>" + flat(message) + fields(pairs)
        case .text, .auto:
            return "\(iso(at)) \(level.rawValue) \(label): " + flat(message) + fields(pairs)
        }
    }

    private static func fields(_ pairs: [(key: String, value: Logger.Metadata.Value)]) -> String {
        pairs.map { " \($0.key)=\(quoted(flat("\($0.value)")))" }.joined()
    }

    /// One line per event: a newline inside a message would start a line that looks like a new event.
    private static func flat(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\\n") }

    private static func quoted(_ text: String) -> String {
        text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || text.isEmpty
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
    }

    private static func iso(_ date: Date) -> String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format.string(from: date)
    }

    /// syslog(3) priorities, which journald reads from a `<N>` prefix.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
