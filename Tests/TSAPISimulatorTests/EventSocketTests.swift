import Foundation
import HTTPTypes
import Testing

@testable import TSAPISimulator

/// `/wsapi/v1/events` against the guide (§9.2, §17): topics in the query and subscribed later,
/// channel filters, every control answer, authentication, the faults, and events that agree
/// with the event log and the recordings as the recorder clock moves.
@Suite(.timeLimit(.minutes(5))) struct EventSocketTests {
    static func url(_ sim: LiveSimulator, _ query: String) -> String { "ws://127.0.0.1:\(sim.port)/wsapi/v1/events?\(query)" }

    /// An instant with an offset (the socket's timestamps), or the recorder's local time
    /// without one (the event log's `timeRange`, as the guide shows it): Seoul, always +09:00.
    static func instant(_ text: Any?) -> Date? {
        guard var text = text as? String else { return nil }
        if !(text.hasSuffix("Z") || text.dropFirst(19).contains("+") || text.dropFirst(19).contains("-")) { text += "+09:00" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// Messages until none arrives for `quiet`.
    static func drain(_ probe: EventProbe, quiet: Duration = .seconds(2)) async throws -> [[String: Any]] {
        var messages: [[String: Any]] = []
        while let text = try await probe.next(within: quiet) {
            messages.append(try #require((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], "\(text)"))
        }
        return messages
    }

    @Test func theTopicsListIsWhatTheSocketServes() async throws {
        try await LiveSimulator.with { sim in
            let topics = try await sim.get("/api/v1/event/realtime").json as? [String]
            #expect(topics == ["channelStatus", "LPR", "systemEvent", "motionChanges", "recordingStatus"])
        }
    }

    @Test func queryTopicsSendTheCurrentStateOfTheFilteredChannelsAndAnUnknownTopicIsAnError() async throws {
        try await LiveSimulator.with { sim in
            let query = "topics=channelStatus,bogus,recordingStatus,motionChanges&ch=2,3&apikey=\(sim.apiKey)"
            try await EventProbe.with(Self.url(sim, query)) { probe in
                let error = try await probe.nextObject()
                #expect(
                    error["type"] as? String == "error" && error["topic"] as? String == "bogus"
                        && error["message"] as? String == "unknown topic")
                let status = try await probe.nextObject()
                #expect(status["topic"] as? String == "channelStatus" && status["event"] as? String == "currentStatus")
                let channels = try #require(status["channel"] as? [[String: Any]])
                #expect(channels.compactMap { $0["chid"] as? Int } == [2, 3])
                #expect(channels.allSatisfy { ($0["status"] as? [String: Any])?["message"] as? String == "Connected" })
                #expect(Self.instant(status["timestamp"]) == Self.instant("2026-11-25T12:00:00+09:00"))
                let motion = try await probe.nextObject()
                #expect(motion["topic"] as? String == "motionChanges")
                #expect((motion["updated"] as? [[String: Any]])?.compactMap { $0["chid"] as? Int } == [2, 3])
                let recording = try await probe.nextObject()
                #expect(recording["topic"] as? String == "recordingStatus" && recording["event"] as? String == "currentStatus")
                let states = try #require(recording["channel"] as? [[String: Any]])
                #expect(states.compactMap { $0["chid"] as? Int } == [2, 3] && states.allSatisfy { $0["streaming"] as? Bool == true })
                let quiet1 = try await probe.next(within: .milliseconds(800))
                #expect(quiet1 == nil, "nothing else while the clock stands still")
            }
        }
    }

    @Test func everyControlMessageGetsTheDocumentedAnswer() async throws {
        try await LiveSimulator.with { sim in
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: sim.apiKey]
            try await EventProbe.with(Self.url(sim, ""), headers: headers) { probe in
                let quiet2 = try await probe.next(within: .milliseconds(500))
                #expect(quiet2 == nil, "no topics: nothing is sent")
                probe.send(#"{"subscribe":"channelStatus","ch":[1]}"#)
                var answer = try await probe.nextObject()
                #expect(answer["type"] as? String == "subscribed" && answer["topic"] as? String == "channelStatus")
                var current = try await probe.nextObject()
                #expect((current["channel"] as? [[String: Any]])?.compactMap { $0["chid"] as? Int } == [1])
                // Subscribing again replaces the filter.
                probe.send(#"{"subscribe":"channelStatus","ch":[1,3]}"#)
                answer = try await probe.nextObject()
                current = try await probe.nextObject()
                #expect(answer["type"] as? String == "subscribed")
                #expect((current["channel"] as? [[String: Any]])?.compactMap { $0["chid"] as? Int } == [1, 3])
                let cases: [(String, [String: String])] = [
                    (#"{"unsubscribe":"channelStatus"}"#, ["type": "unsubscribed", "topic": "channelStatus"]),
                    (#"{"subscribe":"bogus"}"#, ["type": "error", "topic": "bogus", "message": "unknown topic"]),
                    (#"{"unsubscribe":"bogus"}"#, ["type": "error", "topic": "bogus", "message": "unknown topic"]),
                    (
                        #"{"subscribe":"parkingSpot","lot":[1]}"#,
                        ["type": "error", "topic": "parkingSpot", "message": "topic not licensed on this recorder"]
                    ),
                    (
                        #"{"subscribe":"LPR","ch":"1"}"#,
                        ["type": "error", "topic": "LPR", "message": "ch must be a list of channel numbers"]
                    ),
                    (#"{"hello":"there"}"#, ["type": "error", "message": "unknown command"]),
                    ("not json at all", ["type": "error", "message": "invalid JSON"])
                ]
                for (message, expected) in cases {
                    probe.send(message)
                    let reply = try await probe.nextObject()
                    #expect(
                        reply.count == expected.count && expected.allSatisfy { reply[$0.key] as? String == $0.value },
                        "\(message): \(reply)")
                }
                probe.send(#"{"subscribe":"LPR","ch":[1]}"#)
                answer = try await probe.nextObject()
                #expect(answer["type"] as? String == "subscribed" && answer["topic"] as? String == "LPR")
                let quiet3 = try await probe.next(within: .milliseconds(500))
                #expect(quiet3 == nil, "LPR has no current state to send")
                // Unsubscribed from channelStatus: a day of outages on channel 3 sends nothing.
                _ = try await sim.http(.post, "/sim/v1/clock", headers: headers, json: #"{"now":"2026-11-26T12:00:00+09:00"}"#)
                let quiet4 = try await probe.next(within: .seconds(1))
                #expect(quiet4 == nil)
            }
        }
    }

    /// A day of the recorder clock passing: every change the socket reports is an entry of the
    /// event log at the same instant (and the other way round), only for the channels asked.
    @Test func eventsFollowTheClockAndAgreeWithTheEventLog() async throws {
        try await LiveSimulator.with { sim in
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: sim.apiKey]
            let query = "topics=channelStatus,motionChanges,systemEvent&ch=2,3&apikey=\(sim.apiKey)"
            try await EventProbe.with(Self.url(sim, query)) { probe in
                let initial = try await Self.drain(probe, quiet: .seconds(1))
                #expect(initial.compactMap { $0["event"] as? String ?? ($0["topic"] as? String) } == ["currentStatus", "motionChanges"])
                _ = try await sim.http(.post, "/sim/v1/clock", headers: headers, json: #"{"now":"2026-11-26T12:00:00+09:00"}"#)
                let events = try await Self.drain(probe)
                let log = try await sim.get(
                    "/api/v1/event/log?ch=2,3&timeBegin=2026-11-25T12:00:01%2B09:00&timeEnd=2026-11-26T12:00:00%2B09:00&maxCount=1000&sort=asc"
                ).object
                // System log entries have no channel: the ch filter leaves them out of the log.
                let system = try await sim.get(
                    "/api/v1/event/log?type=0&timeBegin=2026-11-25T12:00:01%2B09:00&timeEnd=2026-11-26T12:00:00%2B09:00&maxCount=1000&sort=asc"
                ).object
                let entries = try #require(log["data"] as? [[String: Any]]) + (system["data"] as? [[String: Any]] ?? [])
                #expect(entries.count == (log["totalCount"] as? Int ?? 0) + (system["totalCount"] as? Int ?? 0) && entries.count > 40)

                // "<unix seconds> <topic> <chid> <what>": sorted, the two lists must be equal.
                func key(_ topic: String, _ chid: Int?, _ what: String, _ at: Date?) -> String {
                    "\(at.map { Int($0.timeIntervalSince1970) } ?? -1) \(topic) \(chid ?? 0) \(what)"
                }
                let fromLog = entries.flatMap { entry -> [String] in
                    let range = (entry["timeRange"] as? [Any]) ?? []
                    let at = Self.instant(range.first)
                    switch (entry["type"] as? Int, entry["code"] as? Int) {
                    case (1, 101): return [key("channelStatus", entry["chid"] as? Int, "Disconnected", at)]
                    case (1, 100): return [key("channelStatus", entry["chid"] as? Int, "Connected", at)]
                    case (2, _):
                        let chid = entry["chid"] as? Int
                        return [key("motionChanges", chid, "true", at), key("motionChanges", chid, "false", Self.instant(range.last))]
                    case (0, let code?): return [key("systemEvent", nil, "\(code) \(entry["id"] ?? "")", at)]
                    default: return ["unexpected \(entry)"]
                    }
                }
                let fromSocket = events.map { event -> String in
                    switch event["topic"] as? String {
                    case "channelStatus":
                        let status = event["status"] as? [String: Any]
                        return key(
                            "channelStatus", event["chid"] as? Int, status?["message"] as? String ?? "?", Self.instant(event["timestamp"]))
                    case "motionChanges":
                        let change = (event["updated"] as? [[String: Any]])?.first
                        let moving = change?["motion"] as? Bool == true
                        return key("motionChanges", change?["chid"] as? Int, "\(moving)", Self.instant(event["timestamp"]))
                    case "systemEvent":
                        let at = Self.instant((event["timeRange"] as? [Any])?.first)
                        return key("systemEvent", nil, "\(event["code"] ?? "") \(event["id"] ?? "")", at)
                    default: return "unexpected \(event)"
                    }
                }
                #expect(fromSocket.sorted() == fromLog.sorted(), "the socket's changes are the event log's, at the same instants")
                #expect(
                    !fromLog.contains { $0.hasPrefix("-1 ") || $0.hasPrefix("unexpected") },
                    "every log entry read: \(entries.first!) \(String(describing: (entries.first!["timeRange"] as? [Any])?.first)) \(String(describing: Self.instant("2026-11-25T12:04:52")))"
                )
                let times = fromSocket.compactMap { Int($0.split(separator: " ")[0]) }
                #expect(times == times.sorted() && times.count == fromSocket.count, "in the order they happened")
                #expect(
                    fromLog.contains { $0.contains(" channelStatus 3 Disconnected") } && fromLog.contains { $0.contains(" systemEvent ") })
                // An outage of channel 3 is where its recordings stop.
                let outage = try #require(fromLog.first { $0.contains(" channelStatus 3 Disconnected") })
                let seconds = try #require(Int(outage.split(separator: " ")[0]))
                let offline = Date(timeIntervalSince1970: TimeInterval(seconds + 60))
                let formatter = ISO8601DateFormatter()
                formatter.timeZone = TimeZone(identifier: "Asia/Seoul")
                let begin = formatter.string(from: offline).replacingOccurrences(of: "+", with: "%2B")
                let end = formatter.string(from: offline.addingTimeInterval(59)).replacingOccurrences(of: "+", with: "%2B")
                let minutes = try await sim.get("/api/v1/recording/minutes?ch=3&timeBegin=\(begin)&timeEnd=\(end)").object
                #expect(((minutes["data"] as? [[String: Any]])?.first?["minutes"] as? String)?.first == "0", "\(minutes)")
            }
        }
    }

    @Test func authenticationIsChecked() async throws {
        try await LiveSimulator.with { sim in
            let none = try await RawSocket.exchange(port: sim.port, Self.upgrade(port: sim.port, query: "topics=channelStatus"))
            #expect(none.hasPrefix("HTTP/1.1 401 "), "\(none)")
            let login = try await sim.http(.post, "/api/v1/auth/login", json: #"{"auth":"YWRtaW46MTIzNA=="}"#)
            let token = try #require(login.object["accessToken"] as? String)
            let admin = sim.bearer(token)
            let created = try await sim.http(
                .post, "/api/v1/auth/apikey", headers: admin, json: #"{"name":"player","permissions":["playback"]}"#)
            let key = try #require(created.object["key"] as? String)
            let denied = try await RawSocket.exchange(
                port: sim.port, Self.upgrade(port: sim.port, query: "topics=channelStatus&apikey=\(key)"))
            #expect(denied.hasPrefix("HTTP/1.1 403 ") && denied.contains("remote"), "\(denied)")
            // A token in the query, and a bearer header, both open it.
            for (url, headers) in [(Self.url(sim, "token=\(token)"), HTTPFields()), (Self.url(sim, ""), admin)] {
                try await EventProbe.with(url, headers: headers) { probe in
                    probe.send(#"{"subscribe":"systemEvent"}"#)
                    let reply = try await probe.nextObject()
                    #expect(reply["type"] as? String == "subscribed")
                }
            }
        }
    }

    static func upgrade(port: Int, query: String) -> String {
        "GET /wsapi/v1/events?\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    @Test func aDroppedSocketClosesWithoutACloseFrameAfterItsMessages() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .dropEvents, param: 2)]) { sim in
            try await EventProbe.with(Self.url(sim, "topics=channelStatus,motionChanges,recordingStatus&apikey=\(sim.apiKey)")) { probe in
                let first = try await probe.nextObject()
                let second = try await probe.nextObject()
                #expect(first["topic"] as? String == "channelStatus" && second["topic"] as? String == "motionChanges")
                let third = try await probe.next(within: .seconds(3))
                #expect(third == nil && probe.isClosed, "closed after two messages")
            }
        }
    }

    @Test func aMalformedMessageComesBetweenValidOnes() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .malformedEvent, param: 1)]) { sim in
            try await EventProbe.with(Self.url(sim, "topics=channelStatus,motionChanges&apikey=\(sim.apiKey)")) { probe in
                let first = try await probe.nextObject()
                let broken = try #require(try await probe.next())
                let third = try await probe.nextObject()
                #expect(first["topic"] as? String == "channelStatus" && third["topic"] as? String == "motionChanges")
                #expect((try? JSONSerialization.jsonObject(with: Data(broken.utf8))) == nil, "\(broken)")
            }
        }
    }

    @Test func aSilentSocketAnswersNothingAndStaysOpen() async throws {
        try await LiveSimulator.with(faults: [FaultRule(kind: .silentEvents, param: 1)]) { sim in
            try await EventProbe.with(Self.url(sim, "topics=channelStatus,motionChanges&apikey=\(sim.apiKey)")) { probe in
                let first = try await probe.nextObject()
                #expect(first["topic"] as? String == "channelStatus")
                probe.send(#"{"subscribe":"systemEvent"}"#)
                let answer = try await probe.next(within: .seconds(2))
                #expect(answer == nil && !probe.isClosed, "no answer, no close")
            }
        }
    }
}
