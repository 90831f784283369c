import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Show the report of one run.",
        discussion: "Exit code 0 when that run was complete, 1 when not.")
    @Argument(help: "Run number (see `tsvault runs`).") var runNumber: Int64
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        guard let text = try archive.open().runReportJSON(runNumber) else {
            FileHandle.standardError.write(Data("tsvault report: run \(runNumber) has no report (unknown, or interrupted)\n".utf8))
            throw ExitStatus.failed
        }
        let report = try RunReport(storedJSON: text)
        if json { try printJSON(RunReportDocument(report)) } else { print(RunReportText.render(report)) }
        if !report.complete { throw ExitStatus.failed }
    }
}
