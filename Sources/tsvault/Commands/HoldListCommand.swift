import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct HoldListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Active holds (--all: released ones too).")
    @Flag(help: "Include released holds.") var all = false
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false
    func run() throws {
        let holds = try archive.open().holds(includeReleased: all)
        if json {
            try printJSON(list: holds, key: "holds")
            return
        }
        for h in holds {
            print(
                "\(h.id)  case \(h.caseID)  \(h.server) CH\(h.channel)  \(formatUTC(h.startMicros)) – \(formatUTC(h.endMicros))  \(h.reason)"
                    + (h.releasedAt.map { "  released \(ISO8601DateFormatter().string(from: $0)): \(h.releaseReason ?? "")" } ?? ""))
        }
    }
}
