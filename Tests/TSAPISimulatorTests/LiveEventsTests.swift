import Foundation
import Testing

@testable import TSAPISimulator

/// The changes the event socket reports, as a pure function of the schedule: the same whether
/// the clock passes a day in one step or in many uneven ones, and where the recordings say.
@Suite struct LiveEventsTests {
    let schedule = RecordingSchedule(
        time: ServerTime(zone: TimeZone(identifier: "Asia/Seoul")!), gopSeconds: 2, channelCount: 4, retentionDays: 3)
    let start = ServerTime(zone: TimeZone(identifier: "Asia/Seoul")!).parse("2026-11-25T00:00:00+09:00")!.seconds

    @Test(arguments: [1, 7, 61, 600, 3599])
    func aDayInStepsReportsEachChangeOnce(_ step: Int64) {
        let whole = schedule.liveEvents(after: start, upTo: start + 86_400)
        var stepped: [LiveEvent] = []
        var from = start
        while from < start + 86_400 {
            let to = min(from + step, start + 86_400)
            stepped += schedule.liveEvents(after: from, upTo: to)
            from = to
        }
        #expect(stepped == whole)
        #expect(whole.contains { $0.change == .disconnected } && whole.contains { $0.change == .motion(true) })
    }

    @Test func changesAreWhereTheRecordingsStopAndStart() {
        let day = TimeSpan(start, start + 86_400)
        for event in schedule.liveEvents(after: start, upTo: start + 86_400) {
            guard let chid = event.chid else {
                #expect(event.change == .system(id: event.change.systemID, code: 3), "the daily self-check")
                continue
            }
            let recordings = schedule.recordings(channel: chid, in: day, now: start + 2 * 86_400)
            switch event.change {
            case .disconnected, .motion(false): #expect(recordings.contains { $0.end == event.at }, "\(event)")
            case .connected, .motion(true): #expect(recordings.contains { $0.start == event.at }, "\(event)")
            case .system: Issue.record("a system event with a channel: \(event)")
            }
        }
    }
}

extension LiveEvent.Change {
    var systemID: Int64 { if case .system(let id, _) = self { id } else { -1 } }
}
