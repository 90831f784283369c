import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold", abstract: "Legal holds: retention never removes held footage.",
        subcommands: [HoldListCommand.self, HoldAddCommand.self, HoldReleaseCommand.self])
}
