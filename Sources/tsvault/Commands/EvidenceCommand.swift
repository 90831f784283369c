import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence packages for investigators.",
        subcommands: [EvidenceExtractCommand.self, EvidenceVerifyCommand.self, EvidencePubkeyCommand.self, EvidenceInitCommand.self])
}
