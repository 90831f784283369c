import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

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
    @OptionGroup var logging: LoggingOptions
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Start exports even outside the configured run window.") var ignoreRunWindow = false
    @Flag(help: "Leave out retention this time.") var noRetention = false
    @Flag(help: "Leave out the scrub budget this time.") var noScrub = false
    @Flag(help: "Leave out the backup pushes this time.") var noBackup = false
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset); for recorders with a fixed clock.") var now: String?

    func run() async throws {
        let config = try configOptions.load()
        let planNow = try now.map { try parseInstant($0, option: "--now") } ?? Date()
        let logger = try logging.logger(defaultLevel: .notice)
        let archive = try await ArchiveStore.openForWriting(config, logger: logger)
        let runner = Runner(config: config, archive: archive, logger: logger)
        let skipping = Set([noRetention ? NightlyStep.retention : nil, noScrub ? .scrub : nil, noBackup ? .backup : nil].compactMap { $0 })
        let job = NightlyJob(runner: runner, actor: "tsvault run", skipping: skipping, honoursRunWindow: !ignoreRunWindow)
        let display = RunProgressDisplay(terminal: isatty(STDOUT_FILENO) == 1 && !json, logger: logger, meter: runner.transferred)
        let report = try await display.whileRunning {
            try await job.runHandlingSignals(planningAt: planNow, logger: logger) { display.show($0) }
        }
        if json { try printJSON(RunReportDocument(report)) } else { print(RunReportText.render(report)) }
        if report.archiveFailed { throw ExitStatus.ioError }
        if report.cutShort == true { throw ExitStatus.cutShort }
        if !report.complete || !report.followUpProblems.isEmpty { throw ExitStatus.failed }
    }
}
