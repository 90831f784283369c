import ArgumentParser
import Foundation

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Talk to a recorder.",
        subcommands: [ServerCheckCommand.self])
}
