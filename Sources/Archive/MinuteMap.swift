/// What each minute of a channel's day is, for the coverage picture (terminal bars, the HTML
/// report, the daemon's page): pure functions over plain facts the index holds, so that every
/// view shows the same states and the rules are tested once, with tables of cases.

/// One minute's state: what the archive holds first, then why it does not hold it.
public enum MinuteState: String, Sendable, Codable, CaseIterable {
    /// Archived, and its blob's last check was sound.
    case verified
    /// Archived, its blob never checked yet.
    case unverified
    /// Archived, and its blob's last check failed.
    case damaged
    /// Archived once, deleted by retention.
    case deleted
    /// The recorder overwrote it before it was archived.
    case lost
    /// Its export failed (the window's last error is kept with it).
    case failed
    /// On the recorder, not archived yet.
    case pending
    /// The recorder had nothing for it.
    case empty
    /// Nothing is known: the recorder was never asked and nothing is archived.
    case unknown

    /// How much a span containing this state needs an operator, most first: a bar that shows
    /// one glyph for several minutes shows the most urgent of them.
    public var urgency: Int {
        switch self {
        case .damaged: 8
        case .failed: 7
        case .lost: 6
        case .pending: 5
        case .unverified: 4
        case .verified: 3
        case .deleted: 2
        case .empty: 1
        case .unknown: 0
        }
    }
}

/// The result of an archived minute's last check.
public enum BlobCheck: Sendable, Hashable {
    case sound, notYet, failed
}

/// What the index knows of one channel's day, as minute offsets into the day [start, end).
public struct DayFacts: Sendable {
    public var minutes: Int
    /// The recorder's own minute bitmaps, minute by minute of this day: nil where it was never
    /// asked (or has forgotten the day); missing entries at the end are nil too.
    public var recorded: [Bool?]
    public var archived: [(minutes: Range<Int>, check: BlobCheck)] = []
    /// Deleted by retention, with the rule that deleted them (`maxAgeDays 30`, `quota`).
    public var deleted: [(minutes: Range<Int>, rule: String)] = []
    public var lost: [Range<Int>] = []
    public var failed: [(minutes: Range<Int>, error: String)] = []
    /// Legal holds and evidence extractions over the minutes, by case id.
    public var held: [(minutes: Range<Int>, caseID: String)] = []
    public var extracted: [(minutes: Range<Int>, caseID: String)] = []
    /// What the recorder said of the channel (camera disconnected, recording off): the reason
    /// for minutes it has nothing for.
    public var statusGaps: [(minutes: Range<Int>, reason: GapReason)] = []

    public init(minutes: Int, recorded: [Bool?] = []) {
        self.minutes = minutes
        self.recorded = recorded
    }
}

/// One minute as the picture shows it: its state, what explains it (a failed export's last
/// error, the retention rule that deleted it), and the cases holding it or extracted from it.
public struct MinuteInfo: Sendable, Hashable {
    public var state: MinuteState
    public var detail: String?
    public var holds: [String] = []
    public var extractions: [String] = []
}

public enum MinuteMap {
    /// Each minute's state by precedence: archived (the worst check of its blobs), deleted by
    /// retention, lost, failed, on the recorder, empty on the recorder, unknown. A minute the
    /// recorder has nothing for (or was not asked about) takes the reason its status gives.
    public static func classify(_ facts: DayFacts) -> [MinuteInfo] {
        var info = (0..<facts.minutes).map { minute -> MinuteInfo in
            switch minute < facts.recorded.count ? facts.recorded[minute] : nil {
            case true?: MinuteInfo(state: .pending)
            case false?: MinuteInfo(state: .empty)
            case nil: MinuteInfo(state: .unknown)
            }
        }
        func mark(_ range: Range<Int>, _ change: (inout MinuteInfo) -> Void) {
            for minute in range.clamped(to: 0..<facts.minutes) { change(&info[minute]) }
        }
        for (range, error) in facts.failed { mark(range) { $0 = MinuteInfo(state: .failed, detail: error) } }
        for range in facts.lost { mark(range) { $0 = MinuteInfo(state: .lost) } }
        for (range, rule) in facts.deleted { mark(range) { $0 = MinuteInfo(state: .deleted, detail: rule) } }
        var archivedCheck = [BlobCheck?](repeating: nil, count: facts.minutes)
        for (range, check) in facts.archived {
            for minute in range.clamped(to: 0..<facts.minutes) { archivedCheck[minute] = worse(archivedCheck[minute], check) }
        }
        for (minute, check) in archivedCheck.enumerated() {
            guard let check else { continue }
            info[minute] = MinuteInfo(state: check == .failed ? .damaged : check == .notYet ? .unverified : .verified)
        }
        for (range, reason) in facts.statusGaps {
            mark(range) { if $0.state == .empty || $0.state == .unknown, $0.detail == nil { $0.detail = reason.rawValue } }
        }
        for (range, caseID) in facts.held { mark(range) { if !$0.holds.contains(caseID) { $0.holds.append(caseID) } } }
        for (range, caseID) in facts.extracted {
            mark(range) { if !$0.extractions.contains(caseID) { $0.extractions.append(caseID) } }
        }
        return info
    }

    /// The day in spans of `step` minutes (15 or 30 for a terminal bar), each the most urgent
    /// state among its minutes.
    public static func spans(_ states: [MinuteState], step: Int) -> [MinuteState] {
        precondition(step >= 1, "a span of at least one minute")
        return stride(from: 0, to: states.count, by: step).map { start in
            states[start..<min(start + step, states.count)].max { $0.urgency < $1.urgency }!
        }
    }

    private static func worse(_ a: BlobCheck?, _ b: BlobCheck) -> BlobCheck {
        switch (a, b) {
        case (.failed?, _), (_, .failed): .failed
        case (.notYet?, _), (_, .notYet): .notYet
        default: .sound
        }
    }
}
