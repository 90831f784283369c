import Archive
import Testing

/// The coverage picture's minute states, from plain facts: one letter per minute in the
/// tables (V verified, U unverified, D damaged, X deleted, L lost, F failed, P pending on the
/// recorder, E empty on the recorder, ? unknown).
@Suite struct MinuteMapTests {
    static let letters: [MinuteState: Character] = [
        .verified: "V", .unverified: "U", .damaged: "D", .deleted: "X", .lost: "L", .failed: "F", .pending: "P", .empty: "E",
        .unknown: "?"
    ]

    static func letters(_ states: [MinuteState]) -> String { String(states.map { letters[$0]! }) }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var facts: DayFacts
        var expected: String
    }

    static func facts(_ minutes: Int, recorded: String? = nil, _ adjust: (inout DayFacts) -> Void = { _ in }) -> DayFacts {
        var facts = DayFacts(minutes: minutes, recorded: recorded.map { $0.map { $0 == "?" ? nil : $0 == "1" } } ?? [])
        adjust(&facts)
        return facts
    }

    static let cases: [Case] = [
        Case(
            description: "the recorder's bitmap alone: pending where it recorded, empty elsewhere", facts: facts(4, recorded: "1100"),
            expected: "PPEE"),
        Case(description: "no bitmap and nothing archived is unknown", facts: facts(3), expected: "???"),
        Case(
            description: "archived minutes show their blob's last check",
            facts: facts(4, recorded: "1111") { $0.archived = [(0..<2, .sound), (2..<3, .notYet), (3..<4, .failed)] },
            expected: "VVUD"),
        Case(
            description: "archived wins over deleted, lost and failed; lost over failed",
            facts: facts(4, recorded: "1111") {
                $0.failed = [(0..<4, "HTTP 500")]
                $0.lost = [1..<2]
                $0.deleted = [(2..<3, "maxAgeDays 30")]
                $0.archived = [(0..<1, .sound)]
            },
            expected: "VLXF"),
        Case(
            description: "two blobs on one minute: the worse check shows",
            facts: facts(2) { $0.archived = [(0..<2, .sound), (1..<2, .failed)] }, expected: "VD"),
        Case(
            description: "ranges reaching past the day are clamped to it",
            facts: facts(4) { $0.archived = [(-5..<2, .sound), (3..<100, .sound)] }, expected: "VV?V"),
        Case(
            description: "minutes the recorder was never asked about are unknown, even at the end of the day",
            facts: facts(4, recorded: "1?0"), expected: "P?E?")
    ]

    @Test(arguments: cases) func eachMinuteGetsItsState(_ c: Case) {
        #expect(Self.letters(MinuteMap.classify(c.facts).map(\.state)) == c.expected)
    }

    @Test func holdsExtractionsAndWhatExplainsAMinuteAreKeptWithIt() {
        let info = MinuteMap.classify(
            Self.facts(4, recorded: "1111") {
                $0.failed = [(2..<3, "export task failed: disk full on the recorder")]
                $0.deleted = [(3..<4, "quota")]
                $0.archived = [(0..<2, .sound)]
                $0.held = [(0..<2, "C-7"), (1..<3, "C-9"), (1..<2, "C-7")]
                $0.extracted = [(1..<2, "C-9")]
            })
        #expect(info.map(\.holds) == [["C-7"], ["C-7", "C-9"], ["C-9"], []])
        #expect(info.map(\.extractions) == [[], ["C-9"], [], []])
        #expect(info.map(\.detail) == [nil, nil, "export task failed: disk full on the recorder", "quota"])
    }

    struct SpanCase: Sendable, CustomStringConvertible {
        var description: String
        var minutes: String
        var step: Int
        var expected: String
    }

    static let spanCases: [SpanCase] = [
        SpanCase(description: "a pending minute marks its span", minutes: "VVVPEEEE????", step: 4, expected: "PE?"),
        SpanCase(description: "damage shows over anything else", minutes: "VDVVLFPU", step: 4, expected: "DF"),
        SpanCase(description: "a last span shorter than the step", minutes: "VVVVVU", step: 4, expected: "VU"),
        SpanCase(description: "deleted shows over empty, under verified", minutes: "XEXV", step: 2, expected: "XV")
    ]

    @Test func aMinuteTheRecorderHasNothingForTakesTheReasonItGave() {
        // Recorder: footage in minutes 0 and 3 only; minute 5 never asked; a disconnection over
        // 1–2 and 5, recording off over 3–4 (3 has footage, so keeps its own state).
        let info = MinuteMap.classify(
            Self.facts(6, recorded: "10011?") {
                $0.archived = [(0..<1, .sound)]
                $0.statusGaps = [(1..<3, .cameraDisconnected), (5..<6, .cameraDisconnected), (3..<5, .recordingOff)]
            })
        #expect(Self.letters(info.map(\.state)) == "VEEPP?")
        #expect(info.map(\.detail) == [nil, "camera disconnected", "camera disconnected", nil, nil, "camera disconnected"])
    }

    @Test(arguments: spanCases) func aSpanShowsItsMostUrgentMinute(_ c: SpanCase) {
        let byLetter = Dictionary(uniqueKeysWithValues: Self.letters.map { ($1, $0) })
        #expect(Self.letters(MinuteMap.spans(c.minutes.map { byLetter[$0]! }, step: c.step)) == c.expected)
    }
}
