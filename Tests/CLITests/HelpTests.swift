import Foundation
import Testing

/// Every command answers `--help` with its help on standard output and exit 0 — it once
/// answered 70 with ArgumentParser's internal error printed, because a help request reaching a
/// command group's `run()` was mapped like any unknown error.
@Suite struct HelpTests {
    @Test(arguments: [
        [], ["run"], ["plan"], ["daemon"], ["coverage"], ["verify"], ["evidence"], ["evidence", "extract"], ["evidence", "init"],
        ["backup"],
        ["backup", "push"], ["store", "restore"], ["hold", "add"], ["retention"], ["status"], ["exit-codes"]
    ])
    func helpIsPrintedWithExit0(_ path: [String]) throws {
        let result = try CLI.runArguments(path + ["--help"])
        #expect(result.status == 0 && result.output.hasPrefix("OVERVIEW: ") && result.errors.isEmpty, "\(path): \(result)")
    }
}
