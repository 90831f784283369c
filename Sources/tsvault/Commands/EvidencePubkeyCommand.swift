import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct EvidencePubkeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey", abstract: "Print the archive's evidence signing public key (hex), creating the key on first use.")
    @OptionGroup var archive: ArchiveOptions
    func run() throws { print(try EvidenceSigningKey.loadOrCreate(archiveRoot: try archive.open().root).publicKeyHex) }
}
