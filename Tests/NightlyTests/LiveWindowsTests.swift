import Foundation
import Nightly
import Testing

/// Live watch's windows as a pure function: events in, merged windows out once written.
@Suite struct LiveWindowsTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_600_000)
    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [(channel: Int, at: TimeInterval)]
        var expected: [LiveWindows.Window]
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "one event: before to after", events: [(1, 0)], expected: [.init(channel: 1, start: at(-30), end: at(60))]),
        Case(
            name: "a burst merges into one window", events: [(1, 0), (1, 20), (1, 45), (1, 100)],
            expected: [.init(channel: 1, start: at(-30), end: at(160), events: 4)]),
        Case(
            name: "windows a minute apart merge, further apart do not", events: [(1, 0), (1, 150), (1, 400)],
            expected: [.init(channel: 1, start: at(-30), end: at(210), events: 2), .init(channel: 1, start: at(370), end: at(460))]),
        Case(
            name: "channels never merge", events: [(1, 0), (2, 10)],
            expected: [.init(channel: 1, start: at(-30), end: at(60)), .init(channel: 2, start: at(-20), end: at(70))]),
        Case(
            name: "an event between two windows joins all three", events: [(1, 0), (1, 300), (1, 150)],
            expected: [.init(channel: 1, start: at(-30), end: at(360), events: 3)])
    ])
    func eventsBecomeMergedWindows(_ c: Case) {
        var windows = LiveWindows(before: 30, after: 60, mergeGap: 60)
        for event in c.events { windows.add(channel: event.channel, at: Self.at(event.at)) }
        #expect(windows.pending == c.expected)
    }

    @Test func aWindowIsDueOnceWrittenAndSettledOldestFirstUpToTheLimit() {
        var windows = LiveWindows(before: 30, after: 60)
        windows.add(channel: 1, at: Self.at(0))
        windows.add(channel: 2, at: Self.at(500))
        windows.add(channel: 3, at: Self.at(10))
        #expect(windows.due(now: Self.at(60 + 29), settle: 30, limit: 5).isEmpty, "not written and settled yet")
        let first = windows.due(now: Self.at(1000), settle: 30, limit: 1)
        #expect(first == [.init(channel: 1, start: Self.at(-30), end: Self.at(60))])
        let rest = windows.due(now: Self.at(1000), settle: 30, limit: 5)
        #expect(rest.map(\.channel) == [3, 2] && windows.pending.isEmpty)
    }
}
