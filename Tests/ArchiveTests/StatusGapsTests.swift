import Archive
import Foundation
import Testing

/// The spans a channel's reported changes describe, from tables of changes: `-` disconnected,
/// `+` connected, `r` recording stopped, `R` recording started, at whole seconds; gaps as
/// `c` (camera disconnected) or `o` (recording off) with [start, end) in seconds, end `…` open.
@Suite struct StatusGapsTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var changes: [(Int64, Character)]
        var expected: String
    }

    static let cases: [Case] = [
        Case(description: "a disconnection and its reconnection", changes: [(10, "-"), (70, "+")], expected: "c10-70"),
        Case(description: "still disconnected when last heard", changes: [(10, "-")], expected: "c10-…"),
        Case(
            description: "the same change heard twice (socket, then log a moment apart) opens and closes once",
            changes: [(10, "-"), (11, "-"), (70, "+"), (71, "+")], expected: "c10-70"),
        Case(
            description: "a reconnection with no disconnection before it is no gap", changes: [(5, "+"), (10, "-"), (20, "+")],
            expected: "c10-20"),
        Case(description: "a change back at the same instant is no gap", changes: [(10, "-"), (10, "+")], expected: ""),
        Case(
            description: "recording off while disconnected is explained by the disconnection",
            changes: [(10, "-"), (10, "r"), (70, "+"), (70, "R")], expected: "c10-70"),
        Case(
            description: "recording off around a disconnection keeps its own ends",
            changes: [(5, "r"), (10, "-"), (70, "+"), (90, "R")], expected: "o5-10 c10-70 o70-90"),
        Case(description: "recording off alone", changes: [(30, "r"), (40, "R"), (50, "r")], expected: "o30-40 o50-…"),
        Case(
            description: "recording off inside an open disconnection leaves nothing of its own",
            changes: [(10, "-"), (20, "r"), (30, "R")], expected: "c10-…"),
        Case(description: "changes given out of order are ordered", changes: [(70, "+"), (10, "-")], expected: "c10-70")
    ]

    static func change(_ at: Int64, _ letter: Character) -> ChannelStatusChange {
        let change: StatusChange =
            switch letter {
            case "-": .disconnected
            case "+": .connected
            case "r": .recordingStopped
            default: .recordingStarted
            }
        return ChannelStatusChange(channel: 1, atMicros: at * 1_000_000, change: change, source: .eventLog)
    }

    static func render(_ gaps: [StatusGap]) -> String {
        gaps.map { gap in
            let end = gap.endMicros.map { "\($0 / 1_000_000)" } ?? "…"
            return "\(gap.reason == .cameraDisconnected ? "c" : "o")\(gap.startMicros / 1_000_000)-\(end)"
        }.joined(separator: " ")
    }

    @Test(arguments: cases) func changesBecomeSpansWithTheirReason(_ c: Case) {
        #expect(Self.render(StatusGaps.gaps(c.changes.map { Self.change($0.0, $0.1) })) == c.expected)
    }

    /// Stored in a real index: the socket's and the log's copies of one change are one row, a
    /// camera's current state is stored only where it tells something new, and the day's
    /// minutes carry the reason.
    @Test func storedChangesGiveTheSameSpansAndReachTheDaysMinutes() throws {
        let work = try ArchiveFixture.temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let archive = try Archive(root: work)
        let day: Int64 = 1_790_000_000 / 86_400 * 86_400  // a UTC midnight
        func at(_ minute: Int64, _ second: Int64 = 0) -> Int64 { (day + minute * 60 + second) * 1_000_000 }
        func change(_ when: Int64, _ change: StatusChange, _ source: StatusSource) -> ChannelStatusChange {
            ChannelStatusChange(channel: 4, atMicros: when, change: change, source: source)
        }
        // Observed "connected" with nothing stored before: no change, not stored.
        #expect(try archive.recordStatusChanges(server: "nvr", [change(at(600), .connected, .observed)]) == 0)
        #expect(
            try archive.recordStatusChanges(
                server: "nvr",
                [
                    change(at(816, 20), .disconnected, .eventSocket), change(at(817, 40), .connected, .eventSocket),
                    change(at(900), .disconnected, .observed)
                ]) == 3)
        // The night's event log says the same two changes; an observation repeating the state is skipped.
        #expect(
            try archive.recordStatusChanges(
                server: "nvr",
                [
                    change(at(816, 20), .disconnected, .eventLog), change(at(817, 40), .connected, .eventLog),
                    change(at(905), .disconnected, .observed), change(at(930), .connected, .observed)
                ]) == 1)
        let gaps = try archive.statusGaps(server: "nvr", channel: 4, fromMicros: at(0), toMicros: at(1440))
        #expect(
            gaps == [
                StatusGap(reason: .cameraDisconnected, startMicros: at(816, 20), endMicros: at(817, 40)),
                StatusGap(reason: .cameraDisconnected, startMicros: at(900), endMicros: at(930))
            ])
        #expect(try archive.statusGaps(server: "nvr", channel: 4, fromMicros: at(818), toMicros: at(899)).isEmpty)
        #expect(try archive.statusGaps(server: "nvr", channel: 3, fromMicros: at(0), toMicros: at(1440)).isEmpty)

        let facts = try archive.dayFacts(server: "nvr", channel: 4, startMicros: at(0), endMicros: at(1440))
        let details = MinuteMap.classify(facts).map(\.detail)
        let explained = details.indices.filter { details[$0] == GapReason.cameraDisconnected.rawValue }
        #expect(explained == [816, 817] + Array(900..<930), "13:36 and 13:37, then 15:00–15:29")
    }
}
