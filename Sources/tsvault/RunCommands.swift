import Archive
import ArgumentParser
import Foundation
import Synchronization
import Logging
import Nightly
import TSAPI

/// `--config`, shared by the commands that read tsvault.yaml.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $TSVAULT_CONFIG or ./tsvault.yaml).")
    var config: String?

    init() {}
    init(config: String) { self.config = config }

    var path: String { config ?? ProcessInfo.processInfo.environment["TSVAULT_CONFIG"] ?? "./tsvault.yaml" }

    func load() throws -> TSVaultConfiguration {
        do {
            let (configuration, warnings) = try ConfigurationLoader.load(path: path)
            for warning in warnings { FileHandle.standardError.write(Data("tsvault: \(warning)\n".utf8)) }
            return configuration
        } catch let error as ConfigurationError {
            throw ConfigFileError(path: path, error: error)
        }
    }
}

/// A configuration file that does not load, with its path (exit status 64).
struct ConfigFileError: Error, CustomStringConvertible {
    var path: String
    var error: ConfigurationError
    var description: String { "\(path): \(error)" }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "One nightly job: export and archive what the recorders hold that the archive lacks, then retention, scrub and backups.",
        discussion: """
        The same job the daemon runs on its schedule. Within the run window (runWindow, on the \
        worker's clock) it plans per recorder and channel from the recording days and minute \
        bitmaps within the look-back, minus what the archive holds; exports the missing minutes \
        oldest first; ingests every file before acknowledging it to the recorder; retries \
        transient failures. Then, as configured: retention, the scrub budget, a push to every \
        mounted backup target. One report covers all of it. SIGTERM or SIGINT: no new export \
        starts, the files in flight are archived, the later steps are skipped.
        Exit codes: 0 everything the recorders hold is archived and every step went well, 1 \
        something is missing or a step after the run reported a problem (see the report), 64 \
        configuration or usage error, 74 archive I/O error (at open, or during the run: disk full, \
        I/O or index error; no export starts after it), 75 cut short by SIGTERM or SIGINT (the \
        next run resumes with what is missing).
        """)

    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Start exports even outside the configured run window.") var ignoreRunWindow = false
    @Flag(help: "Leave out retention this time.") var noRetention = false
    @Flag(help: "Leave out the scrub budget this time.") var noScrub = false
    @Flag(help: "Leave out the backup pushes this time.") var noBackup = false
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset); for recorders with a fixed clock.") var now: String?

    func run() async throws {
        let config = try configOptions.load()
        let planNow = try now.map { try parseInstant($0, option: "--now") } ?? Date()
        let archive = try Archive(root: config.archive)
        var runLogger = Logger(label: "tsvault")
        runLogger.logLevel = .notice
        let logger = runLogger
        let runner = Runner(config: config, archive: archive, logger: logger)
        let skipping = Set([noRetention ? NightlyStep.retention : nil, noScrub ? .scrub : nil, noBackup ? .backup : nil].compactMap { $0 })
        let job = NightlyJob(runner: runner, actor: "tsvault run", skipping: skipping, honoursRunWindow: !ignoreRunWindow)
        let display = RunProgressDisplay(terminal: isatty(STDOUT_FILENO) == 1 && !json, logger: logger, meter: runner.transferred)
        let report = try await display.whileRunning {
            try await job.runHandlingSignals(planningAt: planNow, logger: logger) { display.show($0) }
        }
        if json { try printJSON(report) } else { print(RunReportText.render(report)) }
        if report.archiveFailed { throw ExitStatus.ioError }
        if report.cutShort == true { throw ExitStatus.cutShort }
        if !report.complete || !report.followUpProblems.isEmpty { throw ExitStatus.failed }
    }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent runs.")
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let runs = try archive.open().runs()
        if json { try printJSON(runs); return }
        for r in runs {
            let duration = r.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(r.startedAt)) } ?? "running or interrupted"
            print("\(r.id)  \(ISO8601DateFormatter().string(from: r.startedAt))  \(r.status)  \(duration)")
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Show the report of one run.",
                                                    discussion: "Exit code 0 when that run was complete, 1 when not.")
    @Argument(help: "Run number (see `tsvault runs`).") var runNumber: Int64
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        guard let text = try archive.open().runReportJSON(runNumber) else {
            FileHandle.standardError.write(Data("tsvault report: run \(runNumber) has no report (unknown, or interrupted)\n".utf8))
            throw ExitStatus.failed
        }
        if json { print(text); return }
        let report = try RunReport(storedJSON: text)
        print(RunReportText.render(report))
        if !report.complete { throw ExitStatus.failed }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Configuration tools.", subcommands: [ConfigCheckCommand.self])
}

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate tsvault.yaml and explain every problem by its key.",
                                                    discussion: "Exit code 0 valid (warnings allowed), 64 invalid.")
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print the problems as JSON.") var json = false

    func run() throws {
        let (_, problems) = ConfigurationLoader.check(path: configOptions.path)
        if json { try printJSON(problems) } else {
            print(problems.isEmpty ? "\(configOptions.path): valid" : problems.map(\.description).joined(separator: "\n"))
        }
        if problems.contains(where: { $0.severity == .error }) { throw ExitStatus.usage }
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: what a run would export now, per recorder and channel, without exporting.",
        discussion: "Prints the windows oldest first and how long asking the recorders and planning took. Exit code 0, or 1 when a recorder could not be planned.")

    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset).") var now: String?
    @Flag(help: "Print the plans as JSON.") var json = false

    func run() async throws {
        let config = try configOptions.load()
        let planNow = try now.map { try parseInstant($0, option: "--now") } ?? Date()
        let archive = try Archive(root: config.archive)
        var failed = false
        var all: [ChannelPlan] = []
        for server in config.servers {
            do {
                let plans = try await TSAPIClient.withClient(ConfigurationLoader.connection(server)) { client in
                    let zone = try client.timeZone(of: try await client.serverInfo())
                    return try await Planner.plan(client: client, zone: zone, archive: archive, server: server, settings: config, now: planNow)
                }
                all += plans
            } catch {
                failed = true
                FileHandle.standardError.write(Data("tsvault plan: \(server.name): \(error)\n".utf8))
            }
        }
        if json {
            try printJSON(all.map { plan in var p = plan; p.days = []; return p })
        } else {
            for plan in all {
                print("\(plan.server) CH\(plan.channel): recorder \(plan.recorderMinutes) min, archived \(plan.archivedMinutes), "
                      + "missing \(plan.missingMinutes) in \(plan.windows.count) windows")
            }
            let recorder = all.reduce(0) { $0 + $1.recorderSeconds }, planning = all.reduce(0) { $0 + $1.planningSeconds }
            let days = all.reduce(0) { $0 + $1.days.count }
            print(String(format: "%d channels, %d channel-days: recorder queries %.3f s, planning %.3f s", all.count, days, recorder, planning))
        }
        if failed { throw ExitStatus.failed }
    }
}
