import Foundation

/// A message of the recorder's real-time event socket (`/wsapi/v1/events`), reduced to what
/// tsvault acts on. A `currentStatus` message (sent right after subscribing) becomes one
/// message per channel with `current` set; `at` is the recorder's timestamp when it sent one.
public enum LiveEventMessage: Sendable, Equatable {
    /// A camera connected or disconnected (`channelStatus`), with the recorder's status code.
    case channelStatus(chid: Int, connected: Bool, code: Int, text: String, at: Date?, current: Bool)
    /// Recording on or off (`recordingStatus`); `failedAt` is when recording failed.
    case recordingStatus(chid: Int, recording: Bool, streaming: Bool, failedAt: Date?, at: Date?, current: Bool)
    /// Motion started or stopped (`motionChanges`).
    case motion(chid: Int, moving: Bool, at: Date?, current: Bool)
    /// A system log entry (`systemEvent`): its code and name as the event log has them.
    case system(id: Int64?, code: Int, name: String, at: Date?)
    case subscribed(topic: String)
    case unsubscribed(topic: String)
    /// The recorder refused a request (unknown topic, unlicensed topic, bad message).
    case refused(topic: String?, message: String)
    /// Any other topic (LPR, parking, objects): not used by tsvault.
    case other(topic: String)
}

extension LiveEventMessage {
    /// Parses one text frame. Timestamps with an offset are taken as they are; without one
    /// (the event log's form) they are the recorder's local time in `zone`.
    public static func parse(_ text: String, zone: RecorderTimeZone, server: String) throws(TSAPIError) -> [LiveEventMessage] {
        guard let data = text.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw .malformedMessage(server: server, context: "event socket", text: String(text.prefix(200))) }
        func instant(_ value: Any?) -> Date? { (value as? String).flatMap(zone.parse) }
        if let type = object.string("type") {
            switch type {
            case "subscribed": return [.subscribed(topic: object.string("topic") ?? "")]
            case "unsubscribed": return [.unsubscribed(topic: object.string("topic") ?? "")]
            case "error": return [.refused(topic: object.string("topic"), message: object.string("message") ?? "error")]
            default: break
            }
        }
        guard let topic = object.string("topic") else {
            throw .malformedMessage(server: server, context: "event socket: no topic or type", text: String(text.prefix(200)))
        }
        let at = instant(object["timestamp"])
        let current = object.string("event") == "currentStatus"
        switch topic {
        case "channelStatus":
            let entries = current ? (object["channel"] as? [[String: Any]] ?? []) : [object]
            return entries.compactMap { entry in
                guard let chid = entry.int("chid"), let status = entry["status"] as? [String: Any], let code = status.int("code") else {
                    return nil
                }
                let text = status.string("message") ?? ""
                return .channelStatus(chid: chid, connected: connected(code: code), code: code, text: text, at: at, current: current)
            }
        case "recordingStatus":
            return (object["channel"] as? [[String: Any]] ?? []).compactMap { entry in
                guard let chid = entry.int("chid") else { return nil }
                return .recordingStatus(
                    chid: chid, recording: entry.bool("recording") ?? false, streaming: entry.bool("streaming") ?? false,
                    failedAt: instant(entry["timestampRecordingFailure"]), at: at, current: current)
            }
        case "motionChanges":
            // A message without `event` right after subscribing is the current state too; tsvault
            // treats every motion message alike (a start it already knows changes nothing).
            return (object["updated"] as? [[String: Any]] ?? []).compactMap { entry in
                guard let chid = entry.int("chid"), let moving = entry.bool("motion") else { return nil }
                return .motion(chid: chid, moving: moving, at: at, current: current)
            }
        case "systemEvent":
            let range = object["timeRange"] as? [Any]
            return [
                .system(
                    id: (object["id"] as? Int).map(Int64.init), code: object.int("code") ?? -1, name: object.string("codeName") ?? "",
                    at: instant(range?.first) ?? at)
            ]
        default:
            return [.other(topic: topic)]
        }
    }

    /// Whether a channel status code means the camera is connected: 0 (v1) or 200 (the older
    /// code family), and 2 "video available"; everything else (−1, 401, 404, 408, 410, 503, …) is not.
    static func connected(code: Int) -> Bool { [0, 2, 200].contains(code) }
}
