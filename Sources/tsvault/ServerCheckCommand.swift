import ArgumentParser
import Foundation
import Logging
import TSAPI

struct ServerCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect, authenticate and report what a recorder holds; diagnose what is wrong.",
        discussion: """
        Prints the recorder's product, version and time zone, its channels with their recording \
        span, and whether the credential has each permission the worker needs (remote, playback, \
        dataExport). Exit codes: 0 ready, 3 unreachable (DNS, connection, timeout), 4 TLS, \
        5 credentials, 6 permission missing, 7 protocol trouble, 64 usage.
        """)

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Log retries and protocol details to standard error.")
    var verbose = false

    func run() async throws {
        // An operator waiting at a prompt wants a quick verdict, not the worker's patience.
        var settings = try connection.settings()
        settings.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(500))
        settings.connectTimeout = .seconds(5)
        var logger = Logger(label: "tsvault")
        logger.logLevel = verbose ? .info : .critical
        let report = await ServerCheck.run(settings, logger: logger)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(ServerCheckText.render(report))
        }
        if report.verdict != .ready { throw ExitStatus.of(report.verdict) }
    }
}

/// The human form of a check report.
enum ServerCheckText {
    static func render(_ r: ServerCheckReport) -> String {
        var lines = ["Server       \(r.server) (\(r.url))"]
        if let info = r.info {
            lines.append("Recorder     \(info.productName ?? "?") \(info.productVersion ?? ""), \(info.apiVersion), site \(info.siteName ?? "?")")
            lines.append("Time zone    \(info.timeZoneName ?? "?") (\(info.timeZoneBias ?? "?"))")
        }
        if !r.permissions.isEmpty {
            let perms = ["remote", "playback", "dataExport"].compactMap { p in r.permissions[p].map { "\(p) \($0 ? "ok" : "MISSING")" } }
            lines.append("Permissions  \(perms.joined(separator: ", "))")
        }
        if !r.channels.isEmpty {
            lines.append("Channels     \(r.channels.count)")
            for c in r.channels {
                let state = [c.connected.map { $0 ? "connected" : "DISCONNECTED" }, c.recording.map { $0 ? "recording" : "not recording" }]
                    .compactMap { $0 }.joined(separator: ", ")
                let span = c.firstDay.map { "\($0) … \(c.lastDay ?? $0) (\(c.recordedDays) days)" } ?? "no recordings"
                lines.append("  CH\(c.chid)".padding(toLength: 7, withPad: " ", startingAt: 0)
                             + c.displayName.padding(toLength: 22, withPad: " ", startingAt: 0) + " \(state.isEmpty ? "" : state + "; ")\(span)")
            }
        }
        lines.append("Diagnosis    " + (r.verdict == .ready ? "ready for export" : r.verdict.rawValue.uppercased()))
        lines += r.problems.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }
}
