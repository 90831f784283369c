import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct HoldAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Place a hold on a channel's time range.")
    @Option(name: .customLong("case"), help: "Case identifier.") var caseID: String
    @Option(help: "Recorder name.") var server: String
    @Option(help: "Channel.") var channel: Int
    @Option(help: "Start, ISO 8601 with offset.") var from: String
    @Option(help: "End, ISO 8601 with offset.") var to: String
    @Option(help: "Why.") var reason: String
    @Option(help: "Who places it.") var actor = NSUserName()
    @OptionGroup var archive: ArchiveOptions
    func run() throws {
        let start = try parseInstant(from, option: "--from")
        let end = try parseInstant(to, option: "--to")
        let hold = try archive.open().addHold(
            caseID: caseID, server: server, channel: channel, startMicros: start.unixMicros,
            endMicros: end.unixMicros, reason: reason, actor: actor)
        print("hold \(hold.id) placed")
    }
}
