import Archive
import Foundation

/// Everything the coverage picture shows, as plain data: the archive, its backup targets and
/// last runs, and per channel and day the state of every minute with what explains it. The
/// HTML page embeds it as JSON and draws from it; `coverage --json` could print it as it is.
public struct CoverageReport: Sendable, Encodable {
    public var schemaVersion = 1
    public var generatedAt: Date
    /// IANA zone the days are cut in.
    public var timeZone: String
    public var from: Date
    public var to: Date
    public var archive: ArchiveSummary
    public var targets: [Target]
    public var runs: [Run]
    /// The minute states: letter, name, label and colour, in the order of the legend.
    public var legend: [LegendEntry]
    public var channels: [Channel]
    /// Segment details (hashes, sizes, exports) are left out above this many segments, so a
    /// month of a large site stays a few MB; nil when they are all in.
    public var segmentDetailsOmitted: Int?
    /// Exports the segments came from, by id.
    public var exports: [String: Export]

    public struct ArchiveSummary: Sendable, Encodable {
        /// The archive directory and, for a bucket store, its location (never credentials).
        public var path: String
        public var store: String?
        public var segments: Int
        public var storedBytes: Int64
        public var failedBlobs: Int
        public var unverifiedBlobs: Int
        public var lastVerifiedAt: Date?
        public var activeHolds: [String]
    }

    /// A backup target and how far behind the archive it is.
    public struct Target: Sendable, Encodable {
        public var label: String
        public var path: String
        public var lastPush: Date
        public var behindBlobs: Int
        public var behindBytes: Int64
        public var damagedBlobs: Int
    }

    public struct Run: Sendable, Encodable {
        public var id: Int64
        public var startedAt: Date
        public var finishedAt: Date?
        public var status: String
    }

    public struct LegendEntry: Sendable, Encodable {
        public var code: String
        public var state: String
        public var label: String
        public var color: String
    }

    public struct Channel: Sendable, Encodable {
        public var server: String
        public var channel: Int
        public var days: [Day]
    }

    public struct Day: Sendable, Encodable {
        /// `yyyy-MM-dd` in `timeZone`.
        public var day: String
        public var start: Date
        public var minutes: Int
        /// Minutes the recorder had or the archive holds, and of those the archived ones: the
        /// calendar shades a day by their ratio.
        public var recordedMinutes: Int
        public var archivedMinutes: Int
        /// Every minute's state as runs of one letter and a count (`e650p10v10…`), see `legend`.
        public var states: String
        /// Minute ranges [start, end) with what explains them: `error` (a failed export), `rule`
        /// (a retention deletion), `hold` and `extract` (a case id), `reason` (what the recorder said
        /// of minutes it has nothing for: camera disconnected, recording off).
        public var notes: [Note]
        /// Archived segments: minute offsets, bytes, SHA-256, export id.
        public var segments: [Segment]
    }

    public struct Note: Sendable, Encodable, Hashable {
        public var start: Int
        public var end: Int
        public var kind: String
        public var text: String
    }

    public struct Segment: Sendable, Encodable {
        public var start: Date
        public var end: Date
        public var bytes: Int64
        public var sha256: String
        public var export: Int64
    }

    public struct Export: Sendable, Encodable {
        public var sourceName: String
        /// Absent when the recorder's md5 identifies the file (its SHA-256 is not computed).
        public var sourceSHA256: String?
        public var recorderMD5: String?
        public var fileStart: Date
        public var ingestedAt: Date
    }
}

extension MinuteState {
    /// One letter per state, for the page's run-length strings.
    public var code: String {
        switch self {
        case .verified: "v"
        case .unverified: "u"
        case .damaged: "d"
        case .deleted: "x"
        case .lost: "l"
        case .failed: "f"
        case .pending: "p"
        case .empty: "e"
        case .unknown: "n"
        }
    }

    public var label: String {
        switch self {
        case .verified: "archived, verified"
        case .unverified: "archived, not checked yet"
        case .damaged: "archived, check failed"
        case .deleted: "deleted by retention"
        case .lost: "lost (overwritten before archiving)"
        case .failed: "export failed"
        case .pending: "on the recorder, not archived yet"
        case .empty: "recorder had nothing"
        case .unknown: "unknown"
        }
    }

    /// Colours told apart with the common colour-vision deficiencies too (greens for archived,
    /// warm for trouble, blue for waiting, greys for nothing).
    public var color: String {
        switch self {
        case .verified: "#1a7f37"
        case .unverified: "#8ddb8c"
        case .damaged: "#cf222e"
        case .deleted: "#8c959f"
        case .lost: "#8250df"
        case .failed: "#fb8500"
        case .pending: "#54aeff"
        case .empty: "#eaeef2"
        case .unknown: "#ffffff"
        }
    }
}

extension CoverageReport {
    /// Run-length letters of a day's states: `e650p10v10`.
    public static func runLength(_ states: [MinuteState]) -> String {
        var text = ""
        var index = 0
        while index < states.count {
            var end = index + 1
            while end < states.count, states[end] == states[index] { end += 1 }
            text += states[index].code + String(end - index)
            index = end
        }
        return text
    }

    /// Ranges of consecutive minutes carrying the same note, from each minute's info.
    static func notes(_ info: [MinuteInfo]) -> [Note] {
        var notes: [Note] = []
        func add(_ minute: Int, _ kind: String, _ text: String) {
            if let last = notes.lastIndex(where: { $0.kind == kind && $0.text == text }), notes[last].end == minute {
                notes[last].end = minute + 1
            } else {
                notes.append(Note(start: minute, end: minute + 1, kind: kind, text: text))
            }
        }
        for (minute, item) in info.enumerated() {
            if let detail = item.detail {
                let kind =
                    switch item.state {
                    case .failed: "error"
                    case .deleted: "rule"
                    default: "reason"
                    }
                add(minute, kind, detail)
            }
            for caseID in item.holds { add(minute, "hold", caseID) }
            for caseID in item.extractions { add(minute, "extract", caseID) }
        }
        return notes
    }
}
