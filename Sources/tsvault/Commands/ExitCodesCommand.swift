import Archive
import ArgumentParser
import Evidence
import Foundation
import Nightly
import Remux
import TSAPI

/// `tsvault exit-codes`: the table, for scripts and for the test that keeps README in step.
struct ExitCodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exit-codes", abstract: "List every exit code and what it means.")
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        if json {
            struct Code: Encodable {
                var code: Int32
                var meaning: String
            }
            try printJSON(list: ExitStatus.allCases.map { Code(code: $0.rawValue, meaning: $0.meaning) }, key: "codes")
        } else {
            print(ExitStatus.markdownTable)
        }
    }
}
