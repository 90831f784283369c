import Nightly
import Testing

/// Export windows from minute bitmaps, as a pure function: `#` a minute the recorder (or the
/// archive) holds, `.` one it does not.
@Suite struct PlannerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var recorded: String
        var archived: String = ""
        var mergeGap = 0
        var maxLength = 60
        var usable: Range<Int>? = nil
        var windows: [Range<Int>]
        var why: String
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(recorded: "......", windows: [], why: "nothing recorded, nothing to export"),
        Case(recorded: "..###..", windows: [2..<5], why: "one recorded run"),
        Case(recorded: "######", archived: "##....", windows: [2..<6], why: "what the archive holds is left out"),
        Case(recorded: "######", archived: "######", windows: [], why: "all archived"),
        Case(recorded: "####", archived: "##", windows: [2..<4], why: "an archive bitmap shorter than the day counts as missing"),
        Case(recorded: "##.##", mergeGap: 0, windows: [0..<2, 3..<5], why: "a gap wider than mergeGap keeps two windows"),
        Case(recorded: "##.##", mergeGap: 1, windows: [0..<5], why: "runs one minute apart merge with mergeGap 1"),
        Case(
            recorded: "#####", archived: "..#..", mergeGap: 1, windows: [0..<5],
            why: "an archived minute between two missing runs is exported again rather than opening two exports"),
        Case(recorded: "##...##", mergeGap: 2, windows: [0..<2, 5..<7], why: "a gap of three minutes exceeds mergeGap 2"),
        Case(recorded: "##########", maxLength: 4, windows: [0..<4, 4..<8, 8..<10], why: "long runs split at maxLength"),
        Case(recorded: "######", usable: 1..<4, windows: [1..<4], why: "only the usable minutes (look-back, settle horizon)"),
        Case(
            recorded: "#.#.#", mergeGap: 1, maxLength: 2, windows: [0..<2, 2..<4, 4..<5],
            why: "merging happens before splitting")
    ]

    @Test(arguments: cases) func windowsAreTheMissingRecordedMinutesMergedAndSplit(_ c: Case) {
        let recorded = c.recorded.map { $0 == "#" }
        let archived = c.archived.map { $0 == "#" }
        let windows = Planner.windows(
            recorded: recorded, archived: archived, mergeGap: c.mergeGap, maxLength: c.maxLength,
            usable: c.usable ?? 0..<recorded.count)
        #expect(windows == c.windows, "\(c.why)")
    }
}
