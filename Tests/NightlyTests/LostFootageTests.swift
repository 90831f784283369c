import Archive
import Nightly
import Testing

/// Lost footage as a pure function: days the recorder stopped listing, and their recorded
/// minutes the archive lacks.
@Suite struct LostFootageTests {
    static func day(_ name: String, _ start: Int64, _ bitmap: String) -> RecorderDay {
        RecorderDay(day: name, startMicros: start, recorded: bitmap.map { $0 == "#" })
    }

    @Test(
        arguments: [
            // (remembered, listed now, overwritten, why)
            (["d1", "d2", "d3"], ["d2", "d3", "d4"], ["d1"], "the oldest day wrapped away"),
            (["d1", "d2"], ["d1", "d2", "d3"], [], "nothing wrapped"),
            (["d1", "d2", "d3"], ["d1", "d3"], [], "a day missing from the middle is not overwritten"),
            (["d1", "d2"], ["d3"], ["d1", "d2"], "two days wrapped at once"),
            (["d1"], [], ["d1"], "a recorder that lists nothing of the channel any more has overwritten all of it")
        ] as [([String], [String], [String], String)])
    func overwrittenDaysAreTheRememberedOnesOlderThanEverythingListed(
        _ remembered: [String], _ listed: [String],
        _ overwritten: [String], _ why: String
    ) {
        let start = { (name: String) in Int64(name.dropFirst())! * 86_400_000_000 }
        let gone = LostFootage.overwritten(
            remembered: remembered.map { Self.day($0, start($0), "#") },
            current: listed.map { Self.day($0, start($0), "#") })
        #expect(gone.map(\.day) == overwritten, "\(why)")
    }

    @Test(
        arguments: [
            ("####", "####", nil, "all archived: nothing lost"),
            ("####", "##..", 2, "two recorded minutes never archived"),
            ("#..#", "....", 2, "only recorded minutes count"),
            ("####", "#", 3, "an archive bitmap shorter than the day counts as missing")
        ] as [(String, String, Int?, String)])
    func lostMinutesAreRecordedMinutesTheArchiveLacks(_ recorded: String, _ archived: String, _ lost: Int?, _ why: String) {
        let result = LostFootage.lost(Self.day("2026-11-01", 0, recorded), archived: archived.map { $0 == "#" }, server: "nvr", channel: 3)
        #expect(result?.minutes == lost, "\(why)")
        if let result { #expect(result.server == "nvr" && result.channel == 3 && result.day == "2026-11-01") }
    }
}
