import Archive
import Foundation

/// A day as one mark per 30 minutes beside `tsvault coverage`'s numbers, each mark the most
/// urgent state of its minutes (MinuteMap.spans). On a terminal, coloured Unicode blocks;
/// otherwise (a pipe, a file, `NO_COLOR`, `TERM=dumb`) plain ASCII that reads the same in a mail.
struct CoverageBar {
    static let minutesPerMark = 30

    var colour: Bool

    /// Colour when standard output is a terminal that takes it.
    static var forStandardOutput: CoverageBar {
        let environment = ProcessInfo.processInfo.environment
        return CoverageBar(colour: isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb")
    }

    func render(_ minutes: [MinuteState]) -> String {
        "[" + MinuteMap.spans(minutes, step: Self.minutesPerMark).map(mark).joined() + (colour ? "\u{1B}[0m" : "") + "]"
    }

    var legend: String {
        let order: [(MinuteState, String)] = [
            (.verified, "verified"), (.unverified, "not checked yet"), (.damaged, "check failed"), (.pending, "on the recorder"),
            (.failed, "export failed"), (.lost, "lost"), (.deleted, "deleted by retention"), (.empty, "recorder had nothing"),
            (.unknown, "unknown")
        ]
        return "one mark per \(Self.minutesPerMark) min: "
            + order.map { state, meaning in
                (state == .unknown ? "blank" : mark(state) + (colour ? "\u{1B}[0m" : "")) + " " + meaning
            }.joined(separator: "  ")
    }

    private func mark(_ state: MinuteState) -> String {
        guard colour else { return String(Self.plain[state]!) }
        let (code, glyph) = Self.coloured[state]!
        return "\u{1B}[\(code)m\(glyph)"
    }

    private static let plain: [MinuteState: Character] = [
        .verified: "#", .unverified: "+", .damaged: "!", .pending: ".", .failed: "F", .lost: "L", .deleted: "x", .empty: "_",
        .unknown: " "
    ]

    /// SGR colour and glyph.
    private static let coloured: [MinuteState: (String, String)] = [
        .verified: ("32", "█"), .unverified: ("36", "█"), .damaged: ("1;91", "█"), .pending: ("33", "░"), .failed: ("31", "▒"),
        .lost: ("35", "▒"), .deleted: ("90", "▁"), .empty: ("90", "·"), .unknown: ("0", " ")
    ]
}
