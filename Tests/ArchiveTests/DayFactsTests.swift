import Archive
import Foundation
import TestSupport
import Testing

/// The facts the coverage picture reads from a real index: ten archived minutes of real H.264
/// (10:00–10:10 New York on 2026-11-01, the 25-hour day DST ends), the recorder's bitmap, a
/// failed export window and a hold, placed on the exact minutes of that day; then a retention
/// deletion, the recorder wrapping past the day, and an extraction.
@Suite(.timeLimit(.minutes(3))) struct DayFactsTests {
    @Test func theIndexFactsLandOnTheExactMinutesOfA25HourDay() async throws {
        let work = try ArchiveFixture.temporaryDirectory("dayfacts")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let archive = try await SyntheticArchive.make(root: work + "/archive")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = SyntheticArchive.zone
        let dayStart = calendar.startOfDay(for: SyntheticArchive.from)
        let dayEnd = calendar.date(byAdding: .day, value: 1, to: dayStart)!
        let footage = 660..<670  // 10:00 is 11 hours after midnight on the day the clocks go back
        func states() throws -> [MinuteState] {
            MinuteMap.classify(
                try archive.dayFacts(server: "nvr", channel: 1, startMicros: dayStart.unixMicros, endMicros: dayEnd.unixMicros)
            ).map(\.state)
        }

        var now = try states()
        #expect(now.count == 1500)
        #expect(now.indices.filter { now[$0] == .unverified } == Array(footage), "ingested, never checked")
        #expect(now.indices.filter { !footage.contains($0) }.allSatisfy { now[$0] == .unknown })

        _ = try await archive.verify(level: .full)
        now = try states()
        #expect(now.indices.filter { now[$0] == .verified } == Array(footage))

        // The recorder had 09:50–10:20 (elapsed minutes 650..<680); a window after the footage failed.
        let run = try archive.startRun()
        let bitmap = (0..<1500).map { (650..<680).contains($0) }
        try archive.updateRecorderDays(
            server: "nvr", channel: 1, current: [RecorderDay(day: "2026-11-01", startMicros: dayStart.unixMicros, recorded: bitmap)],
            forgetting: [], lost: [], run: run)
        let failedFrom = dayStart.unixMicros + 675 * 60_000_000
        try archive.record(
            window: WindowRecord(
                server: "nvr", channel: 1, startMicros: failedFrom, endMicros: failedFrom + 5 * 60_000_000, attempts: 3, status: .failed,
                error: "HTTP 503 from the recorder", bytes: 0, files: 0),
            run: run)
        let holdFrom = dayStart.unixMicros + 662 * 60_000_000
        try archive.addHold(
            caseID: "C-42", server: "nvr", channel: 1, startMicros: holdFrom, endMicros: holdFrom + 3 * 60_000_000, reason: "test",
            actor: "tests")

        let info = MinuteMap.classify(
            try archive.dayFacts(server: "nvr", channel: 1, startMicros: dayStart.unixMicros, endMicros: dayEnd.unixMicros))
        let expected: [Int: MinuteState] = Dictionary(
            uniqueKeysWithValues: (650..<660).map { ($0, .pending) } + footage.map { ($0, .verified) }
                + (670..<675).map { ($0, .pending) } + (675..<680).map { ($0, .failed) } + (680..<1500).map { ($0, .empty) }
                + (0..<650).map { ($0, .empty) })
        #expect(info.indices.filter { info[$0].state != expected[$0] }.isEmpty, "every minute as the index says")
        #expect(info[677].detail == "HTTP 503 from the recorder")
        #expect(info.indices.filter { !info[$0].holds.isEmpty } == [662, 663, 664] && info[663].holds == ["C-42"])

        // Retention over a quota deletes the oldest segment; the recorder wraps past the day
        // (its recorded, unarchived minutes are lost); an extraction of 10:05–10:07 is logged.
        let plan = try archive.retentionPlan(RetentionPolicy(quotaBytes: try archive.overview().storedBytes - 1))
        let range = try #require(plan.ranges.first)
        _ = try await archive.applyRetention(plan, actor: "tests", policyText: "quotaGB")
        try archive.updateRecorderDays(
            server: "nvr", channel: 1, current: [], forgetting: ["2026-11-01"],
            lost: [LostDay(server: "nvr", channel: 1, day: "2026-11-01", minutes: 15)], run: run)
        let extractFrom = dayStart.addingTimeInterval(665 * 60)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]  // as the extractor writes them
        try archive.appendCustody(
            action: "extract", caseID: "C-7", actor: "tests",
            details: [
                "server": "nvr", "channels": "1,2", "from": iso.string(from: extractFrom),
                "to": iso.string(from: extractFrom.addingTimeInterval(120))
            ])

        let after = MinuteMap.classify(
            try archive.dayFacts(server: "nvr", channel: 1, startMicros: dayStart.unixMicros, endMicros: dayEnd.unixMicros))
        let deleted =
            Int((range.startMicros - dayStart.unixMicros) / 60_000_000)..<Int((range.endMicros - dayStart.unixMicros) / 60_000_000)
        #expect(deleted.lowerBound == 660 && !deleted.isEmpty && deleted.upperBound < 670)
        var expectedAfter = expected
        for minute in Array(650..<660) + Array(670..<680) { expectedAfter[minute] = .lost }
        for minute in deleted { expectedAfter[minute] = .deleted }
        #expect(after.indices.filter { after[$0].state != expectedAfter[$0] }.isEmpty, "lost, deleted and still archived minutes")
        #expect(after[660].detail == "by quota")
        #expect(after.indices.filter { !after[$0].extractions.isEmpty } == [665, 666] && after[665].extractions == ["C-7"])

        // Read for three days at once (as a report does), the middle day is the same minute for minute.
        let before = calendar.date(byAdding: .day, value: -1, to: dayStart)!
        let next = calendar.date(byAdding: .day, value: 1, to: dayEnd)!
        let three = try archive.channelFacts(
            server: "nvr", channel: 1,
            days: [before.unixMicros..<dayStart.unixMicros, dayStart.unixMicros..<dayEnd.unixMicros, dayEnd.unixMicros..<next.unixMicros])
        #expect(three.map(\.minutes) == [1440, 1500, 1440])
        #expect(MinuteMap.classify(three[1]) == after)
        #expect(MinuteMap.classify(three[0]).allSatisfy { $0.state == .unknown })
    }
}
