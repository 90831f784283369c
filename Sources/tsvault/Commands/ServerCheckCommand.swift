import ArgumentParser
import Foundation
import Logging
import Nightly
import TSAPI

struct ServerCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect, authenticate and report what a recorder holds; diagnose what is wrong.",
        discussion: """
            Prints the recorder's product, version and time zone, its channels with their recording \
            span, and whether the credential has each permission the worker needs (remote, playback, \
            dataExport). With --config, checks every recorder the configuration lists, with the \
            credentials and TLS settings it gives them, and exits with the worst verdict. \
            Exit codes: 0 ready, 3 unreachable (DNS, connection, timeout), 4 TLS, \
            5 credentials, 6 permission missing, 7 protocol trouble, 64 usage.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Check every recorder of this configuration instead of --url.") var config: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Log retries and protocol details to standard error.")
    var verbose = false

    func run() async throws {
        if connection.url != nil, config != nil { throw ValidationError("give --url or --config, not both") }
        let targets =
            try config.map { try ConfigOptions(config: $0).load().servers.map(ConfigurationLoader.connection) }
            ?? [connection.settings()]
        let logger = try logging.logger(defaultLevel: verbose ? .info : .critical)
        var reports: [ServerCheckReport] = []
        for var settings in targets {
            // An operator waiting at a prompt wants a quick verdict, not the worker's patience.
            settings.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(500))
            settings.connectTimeout = .seconds(5)
            reports.append(await ServerCheck.run(settings, logger: logger))
        }
        if json {
            // One shape whether one recorder or a configuration's were checked.
            try printJSON(list: reports, key: "servers")
        } else {
            print(reports.map(ServerCheckText.render).joined(separator: "\n\n"))
        }
        let worst = reports.map { ExitStatus.of($0.verdict) }.max { $0.rawValue < $1.rawValue } ?? .ok
        if worst != .ok { throw worst }
    }
}
