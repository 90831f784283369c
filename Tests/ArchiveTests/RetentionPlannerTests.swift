import Archive
import Foundation
import Testing

/// What retention deletes, decided as a pure function over segments, holds and event ranges
/// (no archive, no database). Segments are one minute of 100 bytes; times are days and
/// minutes after the epoch, `now` is day 10.
@Suite struct RetentionPlannerTests {
    static let minute: Int64 = 60_000_000
    static let day: Int64 = 86_400_000_000
    static let now = 10 * day

    static func segment(_ id: Int64, day d: Int64, minute m: Int64 = 0, channel: Int = 1) -> RetentionCandidate {
        RetentionCandidate(
            segmentID: id, server: "nvr", channel: channel, start: d * day + m * minute, end: d * day + (m + 1) * minute,
            bytes: 100)
    }

    /// `ch1 d1+0m..+2m 2×200B age`: each range of the plan, in plan order.
    static func summary(_ plan: RetentionPlan) -> [String] {
        plan.ranges.map { r in
            let d = r.startMicros / day
            let m = (r.startMicros % day) / minute
            return "ch\(r.channel) d\(d)+\(m)m..+\((r.endMicros - r.startMicros) / minute)m \(r.segments)×\(r.bytes)B \(r.reason.rawValue)"
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var policy: RetentionPolicy
        var stored: Int64 = 500
        var segments: [RetentionCandidate]
        var holds: [(channel: Int, from: Int64, to: Int64)] = []
        var protected: [Range<Int64>] = []
        var ranges: [String]
        var held = 0
        var eventKept = 0
        var shortfall: Int64 = 0
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(
            why: "age deletes what ended before the cutoff, contiguous minutes as one range",
            policy: RetentionPolicy(maxAgeDays: 5), segments: [segment(1, day: 1), segment(2, day: 1, minute: 1), segment(3, day: 8)],
            ranges: ["ch1 d1+0m..+2m 2×200B age"]),
        Case(
            why: "a held minute is counted, not deleted, and splits the range",
            policy: RetentionPolicy(maxAgeDays: 5),
            segments: [segment(1, day: 1), segment(2, day: 1, minute: 1), segment(3, day: 1, minute: 2)],
            holds: [(1, day + minute, day + 2 * minute)],
            ranges: ["ch1 d1+0m..+1m 1×100B age", "ch1 d1+2m..+1m 1×100B age"], held: 1),
        Case(
            why: "a quota deletes the oldest first until the archive fits",
            policy: RetentionPolicy(quotaBytes: 300),
            segments: [
                segment(1, day: 1), segment(2, day: 2), segment(3, day: 3, channel: 2),
                segment(4, day: 4), segment(5, day: 5)
            ],
            ranges: ["ch1 d1+0m..+1m 1×100B quota", "ch1 d2+0m..+1m 1×100B quota"]),
        Case(
            why: "a quota never deletes footage ending after protectAfter, and says by how much it is still over",
            policy: RetentionPolicy(quotaBytes: 50, protectAfter: Date(unixMicros: 9 * day)),
            segments: [
                segment(1, day: 1), segment(2, day: 2), segment(3, day: 3), segment(4, day: 9, minute: 30), segment(5, day: 9, minute: 40)
            ],
            ranges: ["ch1 d1+0m..+1m 1×100B quota", "ch1 d2+0m..+1m 1×100B quota", "ch1 d3+0m..+1m 1×100B quota"], shortfall: 150),
        Case(
            why: "event footage outlives the age limit",
            policy: RetentionPolicy(maxAgeDays: 5, events: EventRetention(names: ["Motion"], keepDays: 30)),
            segments: [segment(1, day: 1), segment(2, day: 2)], protected: [day..<(day + minute)],
            ranges: ["ch1 d2+0m..+1m 1×100B age"], eventKept: 1),
        Case(
            why: "a quota deletes event footage last, after everything else",
            policy: RetentionPolicy(quotaBytes: 300, events: EventRetention(names: ["Motion"], keepDays: 30)),
            stored: 500, segments: [segment(1, day: 1), segment(2, day: 2)], protected: [day..<(day + minute)],
            ranges: ["ch1 d2+0m..+1m 1×100B quota", "ch1 d1+0m..+1m 1×100B quota"]),
        Case(
            why: "a policy with nothing to do selects nothing",
            policy: RetentionPolicy(maxAgeDays: 30, quotaBytes: 1_000), segments: [segment(1, day: 1)], ranges: [])
    ]

    @Test(arguments: cases) func thePlanDeletesWhatThePolicySaysAndNothingElse(_ c: Case) {
        let holds = c.holds.enumerated().map { i, h in
            Hold(
                id: Int64(i + 1), caseID: "C", server: "nvr", channel: h.channel, startMicros: h.from, endMicros: h.to, reason: "r",
                placedAt: Date(), placedBy: "t", releasedAt: nil, releaseReason: nil)
        }
        let protected = c.protected.isEmpty ? nil : ProtectedIntervals([.init(server: "nvr", channel: 1): c.protected])
        let plan = RetentionPlanner.plan(
            policy: c.policy, now: Self.now, storedBytes: c.stored, holds: holds,
            protected: c.policy.events == nil ? nil : (protected ?? ProtectedIntervals()), segments: c.segments)
        #expect(Self.summary(plan) == c.ranges, "\(c.why)")
        #expect(plan.heldSegments == c.held && plan.eventKeptSegments == c.eventKept && plan.quotaShortfallBytes == c.shortfall, "\(c.why)")
        #expect(plan.storedBytesBefore == c.stored)
    }
}
