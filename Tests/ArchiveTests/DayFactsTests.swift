import Archive
import Foundation
import TestSupport
import Testing

/// The facts the coverage picture reads from a real index: ten archived minutes of real H.264
/// (10:00–10:10 New York on 2026-11-01, the 25-hour day DST ends), the recorder's bitmap, a
/// failed export window and a hold, placed on the exact minutes of that day.
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
    }
}
