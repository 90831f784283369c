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
            try printJSON(report)
        } else {
            print(ServerCheckText.render(report))
        }
        if report.verdict != .ready { throw ExitStatus.of(report.verdict) }
    }
}
