import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct CustodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "List the custody log and check its hash chain.",
        discussion: "Exit code 0 when the chain is intact, 1 when an entry was changed or deleted.")
    @Option(name: .customLong("case"), help: "Only this case.") var caseID: String?
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let store = try archive.open()
        let entries = try store.custodyEntries(caseID: caseID)
        let check = try store.checkCustody()
        if json {
            struct Out: Encodable {
                var entries: [CustodyEntry]
                var check: CustodyCheck
            }
            try printJSON(Out(entries: entries, check: check))
        } else {
            for e in entries {
                print(
                    "\(e.id)  \(ISO8601DateFormatter().string(from: e.at))  \(e.action)  case \(e.caseID ?? "-")  by \(e.actor)  \(e.details)"
                )
            }
            print(
                check.intact
                    ? "chain intact (\(check.entries) entries)"
                    : "CHAIN BROKEN:\n" + check.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !check.intact { throw ExitStatus.failed }
    }
}
