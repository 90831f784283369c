/// The JSON a recorder sends on `/wsapi/v1/events`, in the shapes of the guide (§17) and of the
/// earlier API it inherited them from: `channelStatus` and `recordingStatus` with `event`
/// `currentStatus` (right after subscribing) or `statusChanged`, `motionChanges` with `updated`,
/// `systemEvent` as an event log entry; and the control answers `subscribed`, `unsubscribed`,
/// `error`.
extension SimulatorState {
    /// The messages a change makes, each with its topic and channel.
    func messages(for event: LiveEvent) -> [(topic: EventTopic, chid: Int?, message: JSONValue)] {
        let timestamp = ("timestamp", JSONValue.string(time.formatLocalWithOffset(event.at)))
        switch event.change {
        case .disconnected, .connected:
            let online = event.change == .connected
            guard let chid = event.chid else { return [] }
            var recording: [(String, JSONValue)] = [("chid", .int(chid)), ("streaming", .bool(online)), ("recording", .bool(online))]
            if !online { recording.append(("timestampRecordingFailure", .string(time.formatLocalWithOffset(event.at)))) }
            return [
                (
                    .channelStatus, chid,
                    .object([
                        timestamp, ("topic", .string("channelStatus")), ("event", .string("statusChanged")), ("chid", .int(chid)),
                        ("status", connectionStatus(offline: !online))
                    ])
                ),
                (
                    .recordingStatus, chid,
                    .object([
                        timestamp, ("topic", .string("recordingStatus")), ("event", .string("statusChanged")),
                        ("channel", .array([.object(recording)]))
                    ])
                )
            ]
        case .motion(let moving):
            guard let chid = event.chid else { return [] }
            return [
                (
                    .motionChanges, chid,
                    .object([
                        timestamp, ("topic", .string("motionChanges")),
                        ("updated", .array([.object([("chid", .int(chid)), ("motion", .bool(moving))])]))
                    ])
                )
            ]
        case .system(let id, let code):
            return [
                (
                    .systemEvent, nil,
                    .object([
                        ("topic", .string("systemEvent")), ("id", .int(id)), ("type", .int(0)),
                        ("typeName", .string(EventCatalog.typeName(0))), ("code", .int(code)),
                        ("codeName", .string(EventCatalog.codeName(type: 0, code: code))),
                        ("timeRange", .array([.string(time.formatLocalWithOffset(event.at))]))
                    ])
                )
            ]
        }
    }

    /// What a subscriber to `topic` gets right after subscribing: the current state of the
    /// channels it asked for (the topics without a state send nothing).
    func currentState(_ topic: EventTopic, channels: Set<Int>?) -> JSONValue? {
        let now = clock.now
        let chids = schedule.channelIDs.filter { channels?.contains($0) ?? true }
        let timestamp = ("timestamp", JSONValue.string(time.formatLocalWithOffset(now)))
        switch topic {
        case .channelStatus:
            let list = chids.map { chid -> JSONValue in
                .object([
                    ("chid", .int(chid)), ("title", .string(channelTitle(chid))), ("displayName", .string(displayName(chid))),
                    ("status", connectionStatus(offline: schedule.liveState(channel: chid, at: now).offline))
                ])
            }
            return .object([timestamp, ("topic", .string("channelStatus")), ("event", .string("currentStatus")), ("channel", .array(list))])
        case .recordingStatus:
            let list = chids.map { chid -> JSONValue in
                let state = schedule.liveState(channel: chid, at: now)
                return .object([
                    ("chid", .int(chid)), ("streaming", .bool(!state.offline)), ("recording", .bool(isRecording(chid, at: now)))
                ])
            }
            return .object([
                timestamp, ("topic", .string("recordingStatus")), ("event", .string("currentStatus")), ("channel", .array(list))
            ])
        case .motionChanges:
            let list = chids.map { chid -> JSONValue in
                .object([("chid", .int(chid)), ("motion", .bool(schedule.liveState(channel: chid, at: now).motion))])
            }
            return .object([timestamp, ("topic", .string("motionChanges")), ("updated", .array(list))])
        default:
            return nil
        }
    }

    /// `{"status":{code,message}}` as `/api/v1/channel/status` answers it (200/404 on recorders
    /// that use the older codes).
    func connectionStatus(offline: Bool) -> JSONValue {
        if config.legacyChannelStatus {
            return .object([("code", .int(offline ? 404 : 200)), ("message", .string(offline ? "No network" : "Connected"))])
        }
        return .object([("code", .int(offline ? -1 : 0)), ("message", .string(offline ? "Disconnected" : "Connected"))])
    }

    func isRecording(_ chid: Int, at now: UnixSeconds) -> Bool {
        !schedule.recordings(channel: chid, in: TimeSpan(now - schedule.gopSeconds * 2, now + 1), now: now + 1).isEmpty
    }
}

extension EventSubscriptions.Answer {
    var json: JSONValue {
        switch self {
        case .subscribed(let topic): .object([("type", .string("subscribed")), ("topic", .string(topic.rawValue))])
        case .unsubscribed(let topic): .object([("type", .string("unsubscribed")), ("topic", .string(topic.rawValue))])
        case .error(let topic, let message):
            .object(
                [("type", .string("error"))] + (topic.map { [("topic", JSONValue.string($0))] } ?? []) + [("message", .string(message))])
        }
    }
}
