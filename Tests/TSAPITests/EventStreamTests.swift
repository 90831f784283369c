import Foundation
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

/// The client side of `/wsapi/v1/events`: each message shape parsed, and a live stream from
/// the simulator as its clock moves, through its faults (a dropped socket, a malformed frame,
/// a recorder that stops answering pings).
@Suite(.timeLimit(.minutes(3))) struct EventStreamTests {
    static let zone = RecorderTimeZone(TimeZone(identifier: "Asia/Seoul")!)
    static func at(_ text: String) -> Date { zone.parse(text)! }

    @Test(
        arguments: [
            (
                #"{"timestamp":"2026-11-25T13:00:00+09:00","topic":"channelStatus","event":"statusChanged","chid":3,"status":{"code":-1,"message":"Disconnected"}}"#,
                [
                    LiveEventMessage.channelStatus(
                        chid: 3, connected: false, code: -1, text: "Disconnected", at: at("2026-11-25T13:00:00+09:00"), current: false)
                ]
            ),
            (
                #"{"topic":"channelStatus","event":"currentStatus","channel":[{"chid":1,"status":{"code":200,"message":"Connected"}},{"chid":2,"status":{"code":404,"message":"No network"}}]}"#,
                [
                    .channelStatus(chid: 1, connected: true, code: 200, text: "Connected", at: nil, current: true),
                    .channelStatus(chid: 2, connected: false, code: 404, text: "No network", at: nil, current: true)
                ]
            ),
            (
                #"{"timestamp":"2026-11-25T13:00:00.000+09:00","topic":"recordingStatus","event":"statusChanged","channel":[{"chid":3,"streaming":false,"recording":false,"timestampRecordingFailure":"2026-11-25T12:59:58+09:00"}]}"#,
                [
                    .recordingStatus(
                        chid: 3, recording: false, streaming: false, failedAt: at("2026-11-25T12:59:58+09:00"),
                        at: at("2026-11-25T13:00:00+09:00"), current: false)
                ]
            ),
            (
                #"{"topic":"motionChanges","updated":[{"chid":2,"motion":true},{"chid":5,"motion":false}]}"#,
                [.motion(chid: 2, moving: true, at: nil, current: false), .motion(chid: 5, moving: false, at: nil, current: false)]
            ),
            (
                #"{"topic":"systemEvent","id":19138,"type":0,"typeName":"System log","code":2,"codeName":"System shutdown","timeRange":["2026-11-25T15:29:20"]}"#,
                [.system(id: 19138, code: 2, name: "System shutdown", at: at("2026-11-25T15:29:20+09:00"))]
            ),
            (#"{"type":"subscribed","topic":"motionChanges"}"#, [.subscribed(topic: "motionChanges")]),
            (#"{"type":"unsubscribed","topic":"LPR"}"#, [.unsubscribed(topic: "LPR")]),
            (#"{"type":"error","message":"invalid JSON"}"#, [.refused(topic: nil, message: "invalid JSON")]),
            (#"{"topic":"LPR","channel":1,"plates":[{"plateNo":"12가3456"}]}"#, [.other(topic: "LPR")])
        ] as [(String, [LiveEventMessage])])
    func everyMessageShapeIsRead(_ text: String, _ expected: [LiveEventMessage]) throws {
        #expect(try LiveEventMessage.parse(text, zone: Self.zone, server: "nvr") == expected)
    }

    @Test(arguments: ["{\"topic\":\"channelStatus\",\"event\":", "[1,2]", #"{"chid":1}"#])
    func aMalformedFrameIsAnErrorNamingTheSocket(_ text: String) {
        #expect(throws: TSAPIError.self) { try LiveEventMessage.parse(text, zone: Self.zone, server: "nvr") }
    }

    /// Subscribed in the URL and later; the clock moved by the simulator's control API: each
    /// outage of channel 3 arrives as a disconnect and its end, in order, at the recorder's instants.
    @Test func aLiveStreamDeliversTheRecordersChanges() async throws {
        try await RecorderFixture.with { r in
            try await r.client.withEventStream(topics: ["channelStatus"], channels: [3], zone: r.zone) { stream in
                var iterator = stream.messages.makeAsyncIterator()
                guard case .message(.channelStatus(3, true, _, _, _, true))? = try await iterator.next() else {
                    throw FixtureError("no current status of channel 3")
                }
                stream.subscribe("systemEvent")
                guard case .message(.subscribed("systemEvent"))? = try await iterator.next() else { throw FixtureError("not subscribed") }
                try await r.control("clock", json: #"{"now":"2026-11-26T12:00:00+09:00"}"#)
                var changes: [LiveEventMessage] = []
                while changes.count < 3, case .message(let message)? = try await iterator.next() { changes.append(message) }
                let disconnected = changes.compactMap { if case .channelStatus(3, false, _, _, let at?, false) = $0 { at } else { nil } }
                let system = changes.compactMap { if case .system(_, 3, "Self-check", let at?) = $0 { at } else { nil } }
                #expect(disconnected.count == 1 && system == [Self.at("2026-11-26T04:00:00+09:00")], "\(changes)")
            }
        }
    }

    @Test func aDroppedSocketEndsTheStreamWithAnErrorAndAMalformedFrameIsReportedNotFatal() async throws {
        let faults = [FaultRule(kind: .malformedEvent, param: 1), FaultRule(kind: .dropEvents, param: 3)]
        try await RecorderFixture.with(faults: faults) { r in
            let topics = ["channelStatus", "motionChanges", "recordingStatus"]
            try await r.client.withEventStream(topics: topics, zone: r.zone) { stream in
                var items: [String] = []
                var ending: (any Error)?
                do {
                    for try await item in stream.messages {
                        switch item {
                        case .message(.channelStatus(_, _, _, _, _, true)): items.append("channel")
                        case .message(.motion): items.append("motion")
                        case .malformed: items.append("malformed")
                        case .message(let other): items.append("\(other)")
                        }
                    }
                } catch { ending = error }
                // The current status of 4 channels, the broken frame, the motion state of 4; then the drop.
                #expect(items == Array(repeating: "channel", count: 4) + ["malformed"] + Array(repeating: "motion", count: 4), "\(items)")
                #expect(ending is TSAPIError, "a connection that just ends is an error: \(String(describing: ending))")
            }
        }
    }

    @Test func aRecorderThatStopsAnsweringPingsEndsTheStreamWithAnError() async throws {
        try await RecorderFixture.with(faults: [FaultRule(kind: .silentEvents, param: 1)]) { r in
            let started = ContinuousClock.now
            await #expect(throws: TSAPIError.self) {
                try await r.client.withEventStream(topics: ["channelStatus"], channels: [1], zone: r.zone, pingEvery: .milliseconds(500)) {
                    stream in
                    for try await _ in stream.messages {}
                }
            }
            #expect(ContinuousClock.now - started < .seconds(10), "detected within a few ping periods")
        }
    }

    @Test func anUnknownTopicIsRefusedAndTheStreamGoesOn() async throws {
        try await RecorderFixture.with { r in
            try await r.client.withEventStream(topics: ["bogus", "channelStatus"], channels: [1], zone: r.zone) { stream in
                var iterator = stream.messages.makeAsyncIterator()
                guard case .message(.refused("bogus", "unknown topic"))? = try await iterator.next() else {
                    throw FixtureError("no refusal")
                }
                guard case .message(.channelStatus(1, true, _, _, _, true))? = try await iterator.next() else {
                    throw FixtureError("no current status after the refusal")
                }
            }
        }
    }
}
