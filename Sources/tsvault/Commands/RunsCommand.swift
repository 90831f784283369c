import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent runs.")
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let runs = try archive.open().runs()
        if json {
            try printJSON(list: runs, key: "runs")
            return
        }
        for r in runs {
            let duration = r.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(r.startedAt)) } ?? "running or interrupted"
            print("\(r.id)  \(ISO8601DateFormatter().string(from: r.startedAt))  \(r.status.rawValue)  \(duration)")
        }
    }
}
