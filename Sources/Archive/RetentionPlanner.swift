import Foundation

/// One segment as retention sees it.
public struct RetentionCandidate: Sendable, Hashable {
    public var segmentID: Int64
    public var server: String
    public var channel: Int
    public var start: Int64
    public var end: Int64
    /// What deleting it frees (the blob's stored size).
    public var bytes: Int64

    public init(segmentID: Int64, server: String, channel: Int, start: Int64, end: Int64, bytes: Int64) {
        self.segmentID = segmentID
        self.server = server
        self.channel = channel
        self.start = start
        self.end = end
        self.bytes = bytes
    }
}

/// What a retention policy deletes, decided over plain data: the segments oldest first, the
/// bytes the archive stores, the policy at `now`, the active holds and the ranges recorder
/// events protect. No I/O: `Archive.retentionPlan` feeds it from the index, tests from tables.
public struct RetentionPlanner {
    let ageCutoff: Int64?
    let quotaLimit: Int64
    let holds: [Hold]
    let protected: ProtectedIntervals?
    /// Bytes still to free for the quota.
    private(set) var needed: Int64
    private var plan: RetentionPlan

    init(policy: RetentionPolicy, now: Int64, storedBytes: Int64, holds: [Hold], protected: ProtectedIntervals?) {
        plan = RetentionPlan(storedBytesBefore: storedBytes)
        ageCutoff = policy.maxAgeDays.map { now - Int64($0) * 86_400_000_000 }
        needed = policy.quotaBytes.map { max(0, storedBytes - $0) } ?? 0
        quotaLimit = policy.protectAfter.map(\.unixMicros) ?? now
        self.holds = holds
        self.protected = protected
    }

    /// The plan. The first pass selects by age and quota among footage no event protects
    /// (counting the event footage it keeps); the second, only while still over the quota,
    /// deletes event footage oldest first. Held segments are never selected.
    /// `segments(end, visit)` calls `visit` on every segment ending at or before `end`, oldest
    /// first (by start), and stops when `visit` returns true.
    public static func plan(
        policy: RetentionPolicy, now: Int64, storedBytes: Int64, holds: [Hold], protected: ProtectedIntervals?,
        segments: (_ endingBy: Int64, _ visit: (RetentionCandidate) -> Bool) throws -> Void
    ) rethrows -> RetentionPlan {
        var planner = RetentionPlanner(policy: policy, now: now, storedBytes: storedBytes, holds: holds, protected: protected)
        let firstPassEnd = max(planner.ageCutoff ?? .min, planner.needed > 0 ? planner.quotaLimit : .min)
        if firstPassEnd > .min { try segments(firstPassEnd) { planner.consider($0) } }
        if planner.needed > 0, protected != nil { try segments(planner.quotaLimit) { planner.consider(eventFootage: $0) } }
        planner.plan.quotaShortfallBytes = planner.needed
        return planner.plan
    }

    /// The same over segments in memory, sorted oldest first.
    public static func plan(
        policy: RetentionPolicy, now: Int64, storedBytes: Int64, holds: [Hold] = [],
        protected: ProtectedIntervals? = nil, segments: [RetentionCandidate]
    ) -> RetentionPlan {
        plan(policy: policy, now: now, storedBytes: storedBytes, holds: holds, protected: protected) { end, visit in
            for segment in segments where segment.end <= end {
                if visit(segment) { return }
            }
        }
    }

    /// First pass; true when nothing later can be selected.
    private mutating func consider(_ c: RetentionCandidate) -> Bool {
        let reason: RetentionReason
        if let ageCutoff, c.end <= ageCutoff {
            reason = .age
        } else if needed > 0, c.end <= quotaLimit {
            reason = .quota
        } else {
            return false
        }
        if isHeld(c) {
            plan.heldSegments += 1
        } else if protected?.covers(c) == true {
            plan.eventKeptSegments += 1
        } else {
            select(c, reason: reason)
        }
        return needed == 0 && (ageCutoff.map { c.start > $0 } ?? true)
    }

    /// Second pass: event footage the first pass kept, while the quota still needs bytes.
    private mutating func consider(eventFootage c: RetentionCandidate) -> Bool {
        guard !isHeld(c), protected?.covers(c) == true else { return false }
        plan.eventKeptSegments -= 1
        select(c, reason: .quota)
        return needed == 0
    }

    private func isHeld(_ c: RetentionCandidate) -> Bool {
        holds.contains { $0.server == c.server && $0.channel == c.channel && $0.startMicros < c.end && $0.endMicros > c.start }
    }

    private mutating func select(_ c: RetentionCandidate, reason: RetentionReason) {
        plan.segmentIDs.append(c.segmentID)
        needed = max(0, needed - c.bytes)
        plan.add(server: c.server, channel: c.channel, start: c.start, end: c.end, bytes: c.bytes, reason: reason)
    }
}
