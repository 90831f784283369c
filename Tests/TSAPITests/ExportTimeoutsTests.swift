import TSAPI
import Testing

/// Which bound an export session has crossed, as a pure function of its clocks.
@Suite(.timeLimit(.minutes(1))) struct ExportTimeoutsTests {
    static let bounds = ExportTimeouts(firstMessage: .seconds(30), idle: .seconds(120), session: .seconds(3600))

    @Test(
        arguments: [
            // elapsed, idle, saw first message → which bound (nil: none)
            (10.0, 10.0, false, nil),
            (31.0, 31.0, false, "first"),
            (31.0, 31.0, true, nil),
            (200.0, 121.0, true, "idle"),
            (200.0, 119.0, true, nil),
            (3601.0, 1.0, true, "session"),
            (3601.0, 3601.0, false, "session")
        ] as [(Double, Double, Bool, String?)])
    func theBoundCrossedIsNamed(elapsed: Double, idle: Double, sawFirstMessage: Bool, expected: String?) {
        let why = Self.bounds.exceeded(elapsed: .seconds(elapsed), idle: .seconds(idle), sawFirstMessage: sawFirstMessage)
        switch expected {
        case nil: #expect(why == nil)
        case "first": #expect(why?.contains("no message within 30.0 seconds of opening") == true, "\(String(describing: why))")
        case "idle": #expect(why?.contains("no message and no command for 120.0 seconds") == true, "\(String(describing: why))")
        default: #expect(why?.contains("lasted more than 3600.0 seconds") == true, "\(String(describing: why))")
        }
    }
}
