import Foundation
import Nightly
import Testing

/// The run window and the `HH:MM` times it is written in, as pure functions of the clock.
@Suite struct RunWindowTests {
    static func window(_ start: String, _ end: String) -> TSVaultConfiguration.RunWindow {
        TSVaultConfiguration.RunWindow(start: start, end: end)
    }

    /// Window, instant, and when the window closes seen from it (nil: closed, nothing may start).
    static let cases: [(window: (String, String), at: String, closes: String?)] = [
        (("01:00", "06:00"), "2026-11-24T00:59:00-05:00", nil),
        (("01:00", "06:00"), "2026-11-24T01:00:00-05:00", "2026-11-24T06:00:00-05:00"),
        (("01:00", "06:00"), "2026-11-24T05:59:59-05:00", "2026-11-24T06:00:00-05:00"),
        (("01:00", "06:00"), "2026-11-24T06:00:00-05:00", nil),
        // Across midnight: open from 22:00 until 02:00 the next morning.
        (("22:00", "02:00"), "2026-11-24T23:00:00-05:00", "2026-11-25T02:00:00-05:00"),
        (("22:00", "02:00"), "2026-11-25T01:30:00-05:00", "2026-11-25T02:00:00-05:00"),
        (("22:00", "02:00"), "2026-11-25T02:00:00-05:00", nil),
        (("22:00", "02:00"), "2026-11-24T21:59:00-05:00", nil),
        // Start equal to end: never open.
        (("03:00", "03:00"), "2026-11-24T03:00:00-05:00", nil),
        // The night DST ends (01:00-01:59 happens twice): the window still closes at 06:00 local.
        (("00:30", "06:00"), "2026-11-01T01:30:00-05:00", "2026-11-01T06:00:00-05:00")
    ]

    @Test(arguments: cases.indices) func theWindowClosesAtItsEndOrIsClosed(_ i: Int) {
        let c = Self.cases[i]
        let now = ScheduleTests.at(c.at)
        let deadline = Self.window(c.window.0, c.window.1).deadline(at: now, calendar: ScheduleTests.newYork)
        #expect(deadline == (c.closes.map(ScheduleTests.at) ?? now), "\(c.window) at \(c.at)")
    }

    @Test(
        arguments: [
            ("01:00", "01:00"), ("1:00", "01:00"), ("23:59", "23:59"), ("00:00", "00:00"),
            ("24:00", nil), ("12:60", nil), ("12:5", nil), ("ab:cd", nil), ("12:00:00", nil), ("", nil), ("+1:00", nil), ("1200", nil)
        ] as [(String, String?)])
    func timesOfDayParseOnlyHHMM(_ text: String, _ normalized: String?) {
        #expect(TimeOfDay(text)?.description == normalized, "\(text)")
    }
}
