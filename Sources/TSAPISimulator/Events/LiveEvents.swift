/// A change the recorder reports on its event socket, at the instant it happened. Derived from
/// the same schedule as the recordings, the minute bitmaps and the event log, so the three agree:
/// a camera goes offline exactly where its recordings stop, motion starts where a clip starts.
public struct LiveEvent: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// The camera went offline (its recording stopped) or came back.
        case disconnected, connected
        /// Motion started (a motion channel's clip begins) or stopped.
        case motion(Bool)
        /// A system log entry (no channel), as `/api/v1/event/log` lists it: its id and code.
        case system(id: Int64, code: Int)
    }

    public var at: UnixSeconds
    public var chid: Int?
    public var change: Change
}

extension RecordingSchedule {
    /// What changed in (from, to], oldest first: outages starting and ending, motion clips
    /// starting and ending, the daily self-check. Consecutive windows never repeat a change.
    public func liveEvents(after from: UnixSeconds, upTo to: UnixSeconds) -> [LiveEvent] {
        guard to > from else { return [] }
        // Looked at from well before `from`, so that nothing already under way is clipped to
        // the window's start and reported again (outages last at most an hour, clips a minute).
        let lookBack = TimeSpan(from - 7200, to + 1)
        let fresh = { (t: UnixSeconds) in t > from && t <= to }
        var live: [LiveEvent] = []
        for chid in channelIDs {
            for outage in outages(channel: chid, in: lookBack) {
                if fresh(outage.start) { live.append(LiveEvent(at: outage.start, chid: chid, change: .disconnected)) }
                if fresh(outage.end) { live.append(LiveEvent(at: outage.end, chid: chid, change: .connected)) }
            }
            guard ChannelKind.forChannel(chid) == .motion else { continue }
            for clip in recordings(channel: chid, in: lookBack, now: to + 2 * gopSeconds + 1) {
                if fresh(clip.start) { live.append(LiveEvent(at: clip.start, chid: chid, change: .motion(true))) }
                if fresh(clip.end) { live.append(LiveEvent(at: clip.end, chid: chid, change: .motion(false))) }
            }
        }
        for event in events(in: TimeSpan(from + 1, to + 1), now: to + 2 * gopSeconds + 1) where event.type == 0 {
            live.append(LiveEvent(at: event.begin, chid: nil, change: .system(id: event.id, code: event.code)))
        }
        return live.sorted { ($0.at, $0.chid ?? 0) < ($1.at, $1.chid ?? 0) }
    }

    /// Whether channel `chid` is offline, and has motion, at `t`.
    func liveState(channel chid: Int, at t: UnixSeconds) -> (offline: Bool, motion: Bool) {
        let around = TimeSpan(t - 7200, t + 1)
        let offline = outages(channel: chid, in: around).contains { $0.start <= t && t < $0.end }
        let motion =
            ChannelKind.forChannel(chid) == .motion
            && recordings(channel: chid, in: around, now: t + 2 * gopSeconds + 1).contains { $0.start <= t && t < $0.end }
        return (offline, motion)
    }
}
