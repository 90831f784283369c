import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate tsvault.yaml and explain every problem by its key.",
        discussion: "Exit code 0 valid (warnings allowed), 64 invalid.")
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print the problems as JSON.") var json = false

    func run() throws {
        let (_, problems) = ConfigurationLoader.check(path: configOptions.path)
        if json {
            try printJSON(list: problems, key: "problems")
        } else {
            print(problems.isEmpty ? "\(configOptions.path): valid" : problems.map(\.description).joined(separator: "\n"))
        }
        if problems.contains(where: { $0.severity == .error }) { throw ExitStatus.usage }
    }
}
