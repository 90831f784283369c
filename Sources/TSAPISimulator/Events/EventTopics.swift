/// The real-time event topics of `/wsapi/v1/events` (guide §9.2, §17.4) and what one
/// connection is subscribed to. Pure: the socket feeds it client messages and asks it which
/// events pass.
public enum EventTopic: String, Sendable, CaseIterable {
    case channelStatus, emergencyCall, systemEvent, motionChanges, recordingStatus
    case parkingCount, parkingSpot, object, bodyTemperature, vehicleTracking
    /// License plates; the topic is spelled `LPR` on the wire.
    case lpr = "LPR"

    /// Topics this recorder serves: the ones the guide lists as always there, and recording
    /// status (recording is on). The others need licenses the simulated recorder lacks.
    public static let served: [EventTopic] = [.channelStatus, .lpr, .systemEvent, .motionChanges, .recordingStatus]

    /// Whether its events carry a channel, so that `ch` filters them.
    var isPerChannel: Bool { self != .systemEvent }
}

/// One connection's subscriptions: topic → channel filter (nil: every channel).
struct EventSubscriptions: Sendable, Equatable {
    private(set) var topics: [EventTopic: Set<Int>?] = [:]

    /// What a client message asks, and the answer it gets (guide §17.5).
    enum Answer: Equatable {
        case subscribed(EventTopic)
        case unsubscribed(EventTopic)
        case error(topic: String?, message: String)
    }

    /// Subscribes to the `topics=` of the URL with its `ch=` filter: each known, served topic
    /// is subscribed (no answer, as on a real recorder the events simply start); the others
    /// get an error answer.
    mutating func subscribeFromQuery(topics: [String], channels: Set<Int>?) -> [Answer] {
        topics.compactMap { name in
            let (topic, refusal) = Self.lookUp(name)
            if let topic { self.topics[topic] = .some(channels) }
            return refusal
        }
    }

    /// Applies one text message from the client.
    mutating func apply(_ text: String) -> Answer {
        guard let object = parseJSONObject(Array(text.utf8)) else { return .error(topic: nil, message: "invalid JSON") }
        if let name = object["subscribe"] as? String {
            let (found, refusal) = Self.lookUp(name)
            guard let topic = found else { return refusal! }
            var channels: Set<Int>?
            if let list = object["ch"] {
                guard let numbers = list as? [Any], let ids = Self.channelNumbers(numbers) else {
                    return .error(topic: name, message: "ch must be a list of channel numbers")
                }
                channels = ids
            }
            // Re-subscribing replaces the filter (guide §17.5).
            topics[topic] = .some(channels)
            return .subscribed(topic)
        }
        if let name = object["unsubscribe"] as? String {
            guard let topic = EventTopic(rawValue: name) else { return .error(topic: name, message: "unknown topic") }
            topics[topic] = nil
            return .unsubscribed(topic)
        }
        return .error(topic: nil, message: "unknown command")
    }

    /// Whether an event of `topic` about channel `chid` (nil: not about a channel) goes out.
    func passes(_ topic: EventTopic, channel chid: Int?) -> Bool {
        guard let filter = topics[topic] else { return false }
        guard let chid, let channels = filter else { return true }
        return channels.contains(chid)
    }

    /// The served topic of that name, or the error answer for it.
    private static func lookUp(_ name: String) -> (topic: EventTopic?, refusal: Answer?) {
        guard let topic = EventTopic(rawValue: name) else { return (nil, .error(topic: name, message: "unknown topic")) }
        guard EventTopic.served.contains(topic) else { return (nil, .error(topic: name, message: "topic not licensed on this recorder")) }
        return (topic, nil)
    }

    private static func channelNumbers(_ list: [Any]) -> Set<Int>? {
        var ids = Set<Int>()
        for item in list {
            guard let number = item as? NSNumberLike, number.intValue >= 1 else { return nil }
            ids.insert(number.intValue)
        }
        return ids
    }
}
