/// A half-open span of UTC seconds [start, end).
public struct TimeSpan: Sendable, Hashable, Codable {
    public var start: UnixSeconds
    public var end: UnixSeconds
    public init(_ start: UnixSeconds, _ end: UnixSeconds) {
        self.start = start
        self.end = end
    }
    public var duration: Int64 { end - start }
    public func clamped(to other: TimeSpan) -> TimeSpan? {
        let s = max(start, other.start)
        let e = min(end, other.end)
        return s < e ? TimeSpan(s, e) : nil
    }
}

/// How a channel records; channels cycle through these kinds so every demo has variety.
public enum ChannelKind: String, Sendable, CaseIterable {
    /// 24/7 recording.
    case continuous
    /// Motion-triggered: short sparse clips.
    case motion
    /// Continuous, but the camera is offline for one hour every local day.
    case dailyOutage
    /// Continuous with short gaps a few times a day (camera reboots).
    case flaky

    static func forChannel(_ chid: Int) -> ChannelKind { allCases[(chid - 1) % allCases.count] }
}

/// The deterministic recording model: which UTC seconds each channel has on disk. Exported
/// files, the minutes bitmap, recording days and the event log are all derived from it, so
/// they always agree. Recording boundaries fall on GOP boundaries, as a recorder starts every
/// file with a keyframe.
public struct RecordingSchedule: Sendable {
    public let time: ServerTime
    public let gopSeconds: Int64
    public let channelCount: Int
    public let retentionDays: Int

    public init(time: ServerTime, gopSeconds: Int, channelCount: Int, retentionDays: Int) {
        self.time = time
        self.gopSeconds = Int64(gopSeconds)
        self.channelCount = channelCount
        self.retentionDays = retentionDays
    }

    public var channelIDs: [Int] { Array(1...channelCount) }

    /// What the recorder still holds at `now`: from local midnight `retentionDays - 1` days
    /// back (older days were overwritten) up to the last whole GOP before `now`.
    public func available(now: UnixSeconds) -> TimeSpan {
        var start = time.startOfLocalDay(now)
        for _ in 1..<max(1, retentionDays) {
            start = time.startOfLocalDay(start - 3600)
        }
        let end = now - ((now % gopSeconds) + gopSeconds) % gopSeconds
        return TimeSpan(alignUp(start), max(alignUp(start), end))
    }

    /// Recorded spans of `chid` inside `window`, clipped to what is available at `now`,
    /// sorted and non-overlapping. Span ends inside `window` are GOP-aligned.
    public func recordings(channel chid: Int, in window: TimeSpan, now: UnixSeconds) -> [TimeSpan] {
        guard channelIDs.contains(chid), let range = window.clamped(to: available(now: now)) else { return [] }
        let raw: [TimeSpan]
        switch ChannelKind.forChannel(chid) {
        case .continuous: raw = [TimeSpan(alignDown(range.start), alignUp(range.end))]
        case .motion: raw = motionClips(chid, range)
        case .dailyOutage: raw = subtract(outages(chid, range), from: TimeSpan(alignDown(range.start), alignUp(range.end)))
        case .flaky: raw = subtract(reboots(chid, range), from: TimeSpan(alignDown(range.start), alignUp(range.end)))
        }
        return raw.compactMap { $0.clamped(to: range) }
    }

    /// Spans where the camera was offline (for events and channel status).
    public func outages(channel chid: Int, in window: TimeSpan) -> [TimeSpan] {
        switch ChannelKind.forChannel(chid) {
        case .dailyOutage: return outages(chid, window).compactMap { $0.clamped(to: window) }
        case .flaky: return reboots(chid, window).compactMap { $0.clamped(to: window) }
        default: return []
        }
    }

    // MARK: channel kinds

    /// One clip of 10–60 s in about half of all 10-minute blocks.
    private func motionClips(_ chid: Int, _ range: TimeSpan) -> [TimeSpan] {
        let block: Int64 = 600
        var clips: [TimeSpan] = []
        var b = floorDivMod(range.start, block).0
        while b * block < range.end {
            let h = mix(UInt64(chid), UInt64(bitPattern: b), 0x6d6f74)
            if h % 2 == 0 {
                let length = alignUp(10 + Int64((h >> 8) % 51))
                let slots = max(1, (block - length) / gopSeconds)
                let offset = Int64((h >> 20) % UInt64(slots)) * gopSeconds
                clips.append(TimeSpan(b * block + offset, b * block + offset + length))
            }
            b += 1
        }
        return clips
    }

    /// One offline hour per local day, at an hour chosen per day.
    private func outages(_ chid: Int, _ range: TimeSpan) -> [TimeSpan] {
        var result: [TimeSpan] = []
        var midnight = time.startOfLocalDay(range.start)
        while midnight < range.end {
            let f = time.localFields(midnight)
            let hour = Int(mix(UInt64(chid), UInt64(f.year * 10_000 + f.month * 100 + f.day), 0x6f7574) % 22) + 1
            let start = time.localInstant(year: f.year, month: f.month, day: f.day, hour: hour)
            result.append(TimeSpan(alignDown(start), alignDown(start) + 3600))
            midnight = time.nextLocalDay(after: midnight)
        }
        return result
    }

    /// A 1–3 minute gap in about a third of all 2-hour blocks.
    private func reboots(_ chid: Int, _ range: TimeSpan) -> [TimeSpan] {
        let block: Int64 = 7200
        var gaps: [TimeSpan] = []
        var b = floorDivMod(range.start, block).0
        while b * block < range.end {
            let h = mix(UInt64(chid), UInt64(bitPattern: b), 0x726562)
            if h % 3 == 0 {
                let length = alignUp(60 + Int64((h >> 8) % 121))
                let offset = alignDown(Int64((h >> 24) % UInt64(block - length)))
                gaps.append(TimeSpan(b * block + offset, b * block + offset + length))
            }
            b += 1
        }
        return gaps
    }

    private func subtract(_ holes: [TimeSpan], from span: TimeSpan) -> [TimeSpan] {
        var result: [TimeSpan] = []
        var cursor = span.start
        for hole in holes.sorted(by: { $0.start < $1.start }) where hole.end > cursor && hole.start < span.end {
            if hole.start > cursor { result.append(TimeSpan(cursor, hole.start)) }
            cursor = max(cursor, hole.end)
        }
        if cursor < span.end { result.append(TimeSpan(cursor, span.end)) }
        return result
    }

    func alignDown(_ t: UnixSeconds) -> UnixSeconds { t - floorDivMod(t, gopSeconds).1 }
    func alignUp(_ t: UnixSeconds) -> UnixSeconds { alignDown(t + gopSeconds - 1) }
}

/// A stable 64-bit hash of small integers (splitmix64 finaliser); the schedule must not
/// depend on Swift's per-process randomised Hasher.
func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var x = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xC2B2_AE3D_27D4_EB4F ^ c &* 0x1656_67B1_9E37_79F9
    x ^= x >> 30
    x = x &* 0xBF58_476D_1CE4_E5B9
    x ^= x >> 27
    x = x &* 0x94D0_49BB_1331_11EB
    x ^= x >> 31
    return x
}
