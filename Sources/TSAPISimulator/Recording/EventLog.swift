/// Events consistent with the recording schedule: motion clips start motion events, outages
/// produce camera disconnected/connected pairs, and a daily system self-check has no channel.
public struct RecorderEvent: Sendable {
    public var id: Int64
    public var type: Int
    public var code: Int
    public var chid: Int?
    public var begin: UnixSeconds
    public var end: UnixSeconds?
}

public struct EventCatalog: Sendable {
    public struct Code: Sendable {
        public var id: Int
        public var name: String
    }
    public struct EventType: Sendable {
        public var id: Int
        public var name: String
        public var codes: [Code]?
    }

    public static let types: [EventType] = [
        // 25 is the guide's own example; 30 and 31 are the simulator's (the guide lists no
        // code for storage trouble).
        EventType(
            id: 0, name: "System log",
            codes: [
                Code(id: 1, name: "System start"), Code(id: 3, name: "Self-check"), Code(id: 25, name: "Storage ready"),
                Code(id: 30, name: "Storage error"), Code(id: 31, name: "Disk full")
            ]),
        EventType(id: 1, name: "Camera", codes: [Code(id: 100, name: "Connected"), Code(id: 101, name: "Disconnected")]),
        EventType(id: 2, name: "Motion detection", codes: [Code(id: 200, name: "Motion detected")]),
        // Like the legacy "User-defined event" type, this one has no code list.
        EventType(id: 6, name: "User-defined event", codes: nil)
    ]

    public static func typeName(_ type: Int) -> String { types.first { $0.id == type }?.name ?? "Unknown" }
    public static func codeName(type: Int, code: Int) -> String {
        types.first { $0.id == type }?.codes?.first { $0.id == code }?.name ?? "Unknown"
    }
}

extension RecordingSchedule {
    /// All events inside `window`, oldest first. Ids are stable: derived from the event's
    /// channel, code and time.
    public func events(in window: TimeSpan, now: UnixSeconds) -> [RecorderEvent] {
        guard let range = window.clamped(to: TimeSpan(available(now: now).start, now)) else { return [] }
        var events: [RecorderEvent] = []
        for chid in channelIDs {
            if ChannelKind.forChannel(chid) == .motion {
                for clip in recordings(channel: chid, in: range, now: now) where clip.start >= range.start {
                    events.append(event(type: 2, code: 200, chid: chid, begin: clip.start, end: clip.end))
                }
            }
            // Looked at from before the range (outages last at most an hour), so that an outage
            // under way at its start is not reported as a disconnection there.
            for outage in outages(channel: chid, in: TimeSpan(range.start - 7200, range.end)) where outage.end >= range.start {
                if outage.start >= range.start {
                    events.append(event(type: 1, code: 101, chid: chid, begin: outage.start, end: nil))
                }
                if outage.end < range.end {
                    events.append(event(type: 1, code: 100, chid: chid, begin: outage.end, end: nil))
                }
            }
        }
        var midnight = time.startOfLocalDay(range.start)
        while midnight < range.end {
            let check = midnight + 4 * 3600
            if check >= range.start && check < range.end { events.append(event(type: 0, code: 3, chid: nil, begin: check, end: nil)) }
            midnight = time.nextLocalDay(after: midnight)
        }
        return events.sorted { ($0.begin, $0.id) < ($1.begin, $1.id) }
    }

    private func event(type: Int, code: Int, chid: Int?, begin: UnixSeconds, end: UnixSeconds?) -> RecorderEvent {
        let id = Int64(bitPattern: mix(UInt64(chid ?? 0), UInt64(bitPattern: begin), UInt64(code)) >> 12)
        return RecorderEvent(id: id, type: type, code: code, chid: chid, begin: begin, end: end)
    }
}
