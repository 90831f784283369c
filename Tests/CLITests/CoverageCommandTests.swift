import Archive
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct CoverageCommandTests {
    @Test func coverageShowsTheArchivedMinutesAndGapsPerDay() async throws {
        try await CLI.workspace("coverage") { work in
            _ = try await CLI.syntheticArchive(in: work)
            // One mark per 30 minutes: the footage (15:00-15:10 UTC, never checked) is the 31st.
            let utc = try CLI.run("coverage", "--archive", work + "/archive")
            let bar = "[" + String(repeating: " ", count: 30) + "+" + String(repeating: " ", count: 17) + "]"
            let lines = utc.output.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(utc.status == 0 && lines.count == 3 && lines[2].isEmpty, "\(utc)")
            #expect(lines[0] == "nvr CH1 2026-11-01  10/1440 min  \(bar)  gaps 00:00–15:00, 15:10–24:00", "\(utc)")
            #expect(lines[1] == Self.legend, "\(utc)")
            // The recorder's day the clocks went back has 25 hours; offsets are elapsed time.
            let local = try CLI.run("coverage", "--archive", work + "/archive", "--timezone", "America/New_York")
            let localBar = "[" + String(repeating: " ", count: 22) + "+" + String(repeating: " ", count: 27) + "]"
            #expect(local.output.hasPrefix("nvr CH1 2026-11-01  10/1500 min  \(localBar)  gaps 00:00–11:00, 11:10–25:00\n"), "\(local)")
            // Checked, the same minutes are verified.
            #expect(try CLI.run("verify", "--archive", work + "/archive", "--full").status == 0)
            let checked = try CLI.run("coverage", "--archive", work + "/archive").output
            #expect(
                checked.hasPrefix("nvr CH1 2026-11-01  10/1440 min  \(bar.replacingOccurrences(of: "+", with: "#"))  gaps"), "\(checked)")
            let json = try CLI.run("coverage", "--archive", work + "/archive", "--json")
            struct Day: Decodable {
                var minutes: Int
                var archivedMinutes: Int
                var archived: [[Int]]
                var gaps: [[Int]]
            }
            struct Output: Decodable { var days: [Day] }
            let days = try JSONDecoder().decode(Output.self, from: Data(json.output.utf8)).days
            let day = try #require(days.first)
            #expect(days.count == 1 && day.minutes == 1440 && day.archivedMinutes == 10 && day.archived == [[900, 910]], "\(json)")
            #expect(day.gaps == [[0, 900], [910, 1440]], "\(json)")
        }
    }

    static let legend =
        "one mark per 30 min: # verified  + not checked yet  ! check failed  . on the recorder  F export failed  L lost  "
        + "x deleted by retention  _ recorder had nothing  blank unknown"

    @Test func anEmptyArchiveSaysSoAndAnUnknownZoneIsAUsageError() async throws {
        try await CLI.workspace("coverage-empty") { work in
            _ = try Archive(root: work + "/archive")
            let empty = try CLI.run("coverage", "--archive", work + "/archive")
            #expect(empty.status == 0 && empty.output == "the archive is empty\n", "\(empty)")
            let zone = try CLI.run("coverage", "--archive", work + "/archive", "--timezone", "Mars/Olympus")
            #expect(zone.status == 64 && zone.errors.contains("unknown --timezone Mars/Olympus"), "\(zone)")
        }
    }

    @Test func anArchiveThatCannotBeOpenedExits74() async throws {
        try await CLI.workspace("coverage-archive") { work in
            let result = try CLI.run("coverage", "--archive", try CLI.unusableArchive(in: work))
            #expect(result.status == 74 && result.errors.hasPrefix("tsvault coverage: "), "\(result)")
        }
    }
}
