import Archive
import Foundation
import Nightly
import TSAPISimulator
import TestSupport
import Testing

/// A camera that disconnects (the simulator's flaky channel 4: gaps of 1–3 minutes a few times
/// a day) has its gaps reported with their reason by `tsvault run`, `tsvault report` and
/// `tsvault coverage`, at the exact instants the recorder's schedule has them.
@Suite(.timeLimit(.minutes(5))) struct RecorderGapsTests {
    @Test func aDisconnectedCamerasGapsAreReportedWithTheirReason() async throws {
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("gaps") { work in
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[4]")
                let run = try CLI.run("run", "--config", config, "--now", RunCommandTests.now, "--json")
                #expect(run.status == 0, "\(run)")
                let report = try RunReport(storedJSON: run.output)

                // What the recorder's schedule says: each outage it still lists the start of.
                let schedule = RecordingSchedule(
                    time: ServerTime(zone: SyntheticArchive.zone), gopSeconds: r.config.gopSeconds, channelCount: r.config.channels,
                    retentionDays: r.config.retentionDays)
                let now = Int64(SyntheticArchive.now.timeIntervalSince1970)
                let available = schedule.available(now: now)
                let outages = schedule.outages(channel: 4, in: TimeSpan(available.start - 7200, now))
                    .filter { $0.start >= available.start }
                #expect(outages.count >= 5, "the flaky channel has gaps in the two days the recorder keeps")
                let expected = outages.map { outage in
                    RunReport.RecorderGap(
                        StatusGap(
                            reason: .cameraDisconnected, startMicros: outage.start * 1_000_000,
                            endMicros: outage.end < now ? outage.end * 1_000_000 : nil))
                }
                let channel = try #require(report.servers.first?.channels.first)
                #expect(channel.recorderGaps == expected, "\(run.output)")

                // The text names each span in the recorder's time, whole minutes, both ends included.
                let text = try CLI.run("report", "--archive", work + "/archive", String(report.runID))
                let lines = expected.suffix(5).map { "              no recording: camera disconnected \(Self.minutes($0.from, $0.to!))" }
                #expect(text.status == 0 && text.output.contains(lines.joined(separator: "\n")), "\(text)")
                #expect(text.output.contains("earlier span(s)") == (expected.count > 5), "\(text)")

                // coverage: under each day, the spans of that day.
                let coverage = try CLI.run(
                    "coverage", "--archive", work + "/archive", "--timezone", "America/New_York", "--channel", "4")
                #expect(coverage.status == 0, "\(coverage)")
                for gap in expected {
                    #expect(
                        coverage.output.contains("    no recording: camera disconnected \(Self.minutes(gap.from, gap.to!))\n"),
                        "\(coverage)")
                }
                let json = try CLI.run(
                    "coverage", "--archive", work + "/archive", "--timezone", "America/New_York", "--channel", "4", "--json")
                struct Day: Decodable { var recorderGaps: [RunReport.RecorderGap] }
                struct Output: Decodable { var days: [Day] }
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let days = try decoder.decode(Output.self, from: Data(json.output.utf8)).days
                #expect(Array(Set(days.flatMap(\.recorderGaps))).sorted { $0.from < $1.from } == expected, "\(json)")
            }
        }
    }

    /// "2026-11-01 13:36–13:37": the first minute and the last minute the span touches.
    static func minutes(_ from: Date, _ to: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = SyntheticArchive.zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let start = formatter.string(from: from)
        let last = formatter.string(from: to.addingTimeInterval(-1))
        return start + "–" + (last.prefix(10) == start.prefix(10) ? String(last.suffix(5)) : last)
    }
}
