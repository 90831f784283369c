import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [ConfigCheckCommand.self])
}
