import Foundation
import Testing

@testable import TSAPISimulator

@Suite(.timeLimit(.minutes(5))) struct ServerTimeTests {
    let seoul = ServerTime(zone: TimeZone(identifier: "Asia/Seoul")!)

    @Test func parsesEveryDocumentedForm() throws {
        let expected: UnixSeconds = 1_704_072_600  // 2024-01-01T01:30:00Z = 10:30 in Seoul
        #expect(seoul.parse("2024-01-01T10:30:00")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T01:30:00Z")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T10:30:00+09:00")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T10:30:00+0900")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T10:30:00+09")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T10:30:00.253")?.milliseconds == 253)
        #expect(seoul.parse("2024-01-01 10:30:00")?.seconds == expected)
        #expect(seoul.parse("2024-01-01T10:30:00\r\n")?.seconds == expected)
        #expect(seoul.parse("20240101103000")?.seconds == expected)
        #expect(seoul.parse("2024-01-01")?.seconds == expected - 10 * 3600 - 1800)
        #expect(seoul.parse("20240101")?.seconds == expected - 10 * 3600 - 1800)
        #expect(seoul.parse("2024-01-01T01:30:00Z")?.wasUTC == true)
        #expect(seoul.parse("2024-13-01T00:00:00") == nil)
        #expect(seoul.parse("yesterday") == nil)
    }

    @Test func formatsLocalAndOffsetForms() {
        #expect(seoul.formatLocal(1_704_072_600) == "2024-01-01T10:30:00")
        #expect(seoul.formatLocalWithOffset(1_704_072_600) == "2024-01-01T10:30:00.000+09:00")
        #expect(ServerTime.formatUTC(milliseconds: 1_704_072_600_250) == "2024-01-01T01:30:00.250Z")
    }

    @Test func daylightSavingDaysHave23And25Hours() throws {
        let berlin = ServerTime(zone: TimeZone(identifier: "Europe/Berlin")!)
        let spring = berlin.localInstant(year: 2026, month: 3, day: 29)
        let autumn = berlin.localInstant(year: 2026, month: 10, day: 25)
        #expect(berlin.nextLocalDay(after: spring) - spring == 23 * 3600)
        #expect(berlin.nextLocalDay(after: autumn) - autumn == 25 * 3600)
        let schedule = RecordingSchedule(time: berlin, gopSeconds: 2, channelCount: 1, retentionDays: 400)
        let endOfSpring = try #require(berlin.parse("2026-03-29T23:59:59"))
        #expect(schedule.minuteCount(from: spring, through: endOfSpring.seconds) == 1380)
        let endOfAutumn = try #require(berlin.parse("2026-10-25T23:59:59"))
        #expect(schedule.minuteCount(from: autumn, through: endOfAutumn.seconds) == 1500)
    }
}

@Suite(.timeLimit(.minutes(5))) struct RecordingScheduleTests {
    let time = ServerTime(zone: TimeZone(identifier: "Asia/Seoul")!)
    var schedule: RecordingSchedule { RecordingSchedule(time: time, gopSeconds: 2, channelCount: 4, retentionDays: 3) }
    var now: UnixSeconds { time.parse("2026-11-25T12:00:00")!.seconds }

    @Test func recorderHoldsOnlyItsRetentionDays() {
        let available = schedule.available(now: now)
        #expect(available.start == time.parse("2026-11-23T00:00:00")!.seconds)
        #expect(available.end == now)
        let wrapped = TimeSpan(time.parse("2026-11-22T00:00:00")!.seconds, time.parse("2026-11-23T00:00:00")!.seconds)
        for chid in 1...4 { #expect(schedule.recordings(channel: chid, in: wrapped, now: now).isEmpty) }
    }

    @Test func channelKindsDifferAsAdvertised() {
        let day = TimeSpan(time.parse("2026-11-24T00:00:00")!.seconds, time.parse("2026-11-25T00:00:00")!.seconds)
        let continuous = schedule.recordings(channel: 1, in: day, now: now)
        #expect(continuous == [day])
        let motion = schedule.recordings(channel: 2, in: day, now: now)
        #expect(motion.count > 20 && motion.allSatisfy { $0.duration <= 62 })
        let outage = schedule.recordings(channel: 3, in: day, now: now)
        #expect(outage.count == 2 && day.duration - outage.reduce(0) { $0 + $1.duration } == 3600)
        let flaky = schedule.recordings(channel: 4, in: day, now: now)
        #expect(flaky.count > 1 && flaky.allSatisfy { $0.start % 2 == 0 && $0.end % 2 == 0 })
    }

    @Test func bitmapMarksExactlyTheMinutesWithRecordings() {
        let start = time.parse("2026-11-24T00:00:00")!.seconds
        for chid in 1...4 {
            let bitmap = Array(schedule.minutesBitmap(channel: chid, from: start, through: start + 86_399, now: now))
            #expect(bitmap.count == 1440)
            let spans = schedule.recordings(channel: chid, in: TimeSpan(start, start + 86_400), now: now)
            for (i, c) in bitmap.enumerated() {
                let minute = TimeSpan(start + Int64(i) * 60, start + Int64(i + 1) * 60)
                let recorded = spans.contains { $0.clamped(to: minute) != nil }
                #expect((c == "1") == recorded, "channel \(chid) minute \(i)")
            }
        }
    }

    @Test func scheduleIsDeterministic() {
        let window = TimeSpan(now - 86_400, now)
        let other = RecordingSchedule(time: time, gopSeconds: 2, channelCount: 4, retentionDays: 3)
        for chid in 1...4 {
            #expect(schedule.recordings(channel: chid, in: window, now: now) == other.recordings(channel: chid, in: window, now: now))
        }
    }

    @Test func mediaSizeAndIntervalParsing() {
        #expect(ExportRequest.parseMediaSize("500MB") == 524_288_000)
        #expect(ExportRequest.parseMediaSize("1GB") == 1_073_741_824)
        #expect(ExportRequest.parseMediaSize("12XB") == nil)
        #expect(ExportRequest.parseInterval("500ms") == 500)
        #expect(ExportRequest.parseInterval("5s") == 5000)
        #expect(ExportRequest.parseInterval("1m") == 60_000)
    }
}
