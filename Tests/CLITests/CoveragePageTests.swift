import Archive
import Foundation
import TestSupport
import Testing

/// `tsvault coverage --html`, rendered in headless Chromium: an archive with every minute state
/// (verified, not checked, damaged, deleted by retention, lost, export failed, on the recorder,
/// empty, unknown), a hold, an extraction and a backup target behind; every minute the page
/// draws equals what the index says and what the scenario made, read from the DOM after
/// clicking each calendar day.
@Suite(.timeLimit(.minutes(5))) struct CoveragePageTests {
    static let zone = SyntheticArchive.zone
    static let minute: Int64 = 60_000_000

    @Test func everyMinuteThePageDrawsIsTheStateTheIndexHolds() async throws {
        try await CLI.workspace("coverage-page") { work in
            let archive = try await Scenario.make(work)
            let page = work + "/coverage.html"
            let written = try CLI.run(
                "coverage", "--archive", work + "/archive", "--html", page, "--timezone", "America/New_York", "--from",
                "2026-11-01T00:00:00-04:00", "--to", "2026-11-02T23:00:00-05:00")
            #expect(written.status == 0 && written.output == page + "\n", "\(written)")
            let html = try String(contentsOfFile: page, encoding: .utf8)
            // Nothing loaded from elsewhere (http:// occurs only as SVG's namespace name), and a policy that forbids it.
            #expect(
                ["https:", "<img", "<link", "<iframe", "<object", "url(", "@import", "fetch(", "XMLHttpRequest"].allSatisfy {
                    !html.contains($0)
                },
                "self-contained")
            #expect(!html.contains("</script><img"), "the error text's markup is escaped inside the page's JSON")
            #expect(html.contains("content=\"default-src 'none';"))

            let screenshot = try Browser.artefact("coverage-page.png")
            let dom = try Browser.read(
                Browser.Spec(
                    url: "file://" + page,
                    hover: [
                        .init(day: "nvr/1/2026-11-01", minute: 677), .init(day: "nvr/1/2026-11-01", minute: 663),
                        .init(day: "nvr/1/2026-11-01", minute: 660)
                    ],
                    select: .init(day: "nvr/1/2026-11-01", from: 660, to: 670), screenshot: screenshot),
                work: work)

            // Every day of every channel, minute by minute: as the scenario made it, and as the index says.
            #expect(dom.days.map(\.key) == ["nvr/1/2026-11-01", "nvr/1/2026-11-02", "nvr/2/2026-11-01", "nvr/2/2026-11-02"])
            for day in dom.days {
                let expected = try #require(Scenario.expected[day.key], "\(day.key)")
                #expect(day.clicked == day.key && day.selected)
                #expect(
                    day.minutes == expected.states.map(\.rawValue),
                    "\(day.key): \(day.states.map { "\($0[0].text) \($0[1].number)..<\($0[2].number)" })")
                let (server, channel, start, end) = try Scenario.range(day.key)
                let indexed = MinuteMap.classify(try archive.dayFacts(server: server, channel: channel, startMicros: start, endMicros: end))
                #expect(day.minutes == indexed.map(\.state.rawValue), "\(day.key) as the index says")
                #expect(abs(day.share - expected.share) < 0.001 && day.alert == expected.alert, "\(day.key): \(day.share) \(day.alert)")
            }
            let first = try #require(dom.days.first)
            #expect(first.holds == [[.text("C-42"), .number(662), .number(665)]])
            #expect(first.extracts == [[.text("C-7"), .number(665), .number(667)]])
            #expect(dom.legend == MinuteState.allCases.map(\.rawValue) + ["hold", "extract"])

            // Backup target behind by channel 2's ten blobs; the two runs, newest first.
            #expect(
                dom.targets.count == 1 && dom.targets[0][0] == "offsite-a" && dom.targets[0][3].hasPrefix("10 blobs, "),
                "\(dom.targets) \(dom.days.map(\.key))")
            #expect(dom.runs.map { [$0[0], $0[3]] } == [["2", "incomplete"], ["1", "complete"]], "\(dom.runs)")
            #expect(dom.archive.contains("1 failed their check") && dom.archive.contains("legal holds: C-42"), "\(dom.archive)")

            // What a minute holds, with the pointer on it.
            let segments = try archive.segmentDetails(server: "nvr", channel: 1, from: 0, to: .max)
            #expect(
                dom.hover[0].contains("export failed") && dom.hover[0].contains("last error: \(Scenario.hostileError)"), "\(dom.hover[0])")
            #expect(!dom.injected, "markup in an error text is shown as text, never run")
            let at663 = try #require(segments.first { $0.startMicros == Scenario.dayStart.unixMicros + 663 * Self.minute })
            #expect(dom.hover[1].hasPrefix("10:03 GMT-5–10:04 GMT-5 · archived, verified"), "\(dom.hover[1])")
            #expect(dom.hover[1].contains("legal hold, case C-42") && dom.hover[1].contains("sha256 \(at663.sha256)"), "\(dom.hover[1])")
            #expect(dom.hover[2].contains("deleted by retention") && dom.hover[2].contains("by quota"), "\(dom.hover[2])")

            // A dragged range: its segments (the deleted minute has none) and the extract command.
            let selection = try #require(dom.selection)
            #expect(selection.segments.map { $0[2] } == segments.map(\.sha256) && segments.count == 9, "\(selection.segments)")
            #expect(
                selection.text.hasPrefix("10:00 GMT-5–10:10 GMT-5 (2026-11-01T15:00:00Z to 2026-11-01T15:10:00Z), 10 min: "),
                "\(selection.text)")
            #expect(selection.text.contains("8 archived, verified, 1 archived, check failed, 1 deleted by retention"), "\(selection.text)")
            #expect(
                selection.command.contains(
                    "--server nvr \\\n    --channel 1 \\\n    --from 2026-11-01T15:00:00Z \\\n    --to 2026-11-01T15:10:00Z"),
                "\(selection.command)")
            #expect(selection.command.contains("--archive \(work)/archive"), "\(selection.command)")
            // The zoom: an hour around the selection, minute by minute, each in its state.
            let states = try #require(Scenario.expected["nvr/1/2026-11-01"]).states
            #expect(selection.zoom.map(\.[0].number) == Array(635..<695), "\(selection.zoom.map(\.[0].number))")
            #expect(selection.zoom.map(\.[1].text) == selection.zoom.map { states[$0[0].number].rawValue })
            // The screenshot, kept as an artefact; with TSVAULT_README_SCREENSHOT=1 it becomes the README's.
            let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
            if ProcessInfo.processInfo.environment["TSVAULT_README_SCREENSHOT"] == "1" {
                try? FileManager.default.removeItem(atPath: Repository.path("docs/images/coverage-page.png"))
                try FileManager.default.copyItem(atPath: screenshot, toPath: Repository.path("docs/images/coverage-page.png"))
            }
        }
    }
}

/// The archive the page test draws: channel 1 and 2 of "nvr", New York, 1–2 November 2026.
enum Scenario {
    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = SyntheticArchive.zone
        return calendar
    }
    static let dayStart = calendar.startOfDay(for: SyntheticArchive.from)
    static let nextDay = calendar.date(byAdding: .day, value: 1, to: dayStart)!
    static let dayAfter = calendar.date(byAdding: .day, value: 1, to: nextDay)!

    struct Day {
        var states: [MinuteState]
        var share: Double
        var alert: Bool
    }

    /// The states the scenario makes, minute by minute (1 November has 25 hours).
    static let expected: [String: Day] = [
        "nvr/1/2026-11-01": Day(
            states: states(
                1500, .empty,
                [
                    (650..<660, .pending), (660..<661, .deleted), (661..<669, .verified), (669..<670, .damaged), (670..<675, .pending),
                    (675..<680, .failed)
                ]),
            share: 9.0 / 30, alert: true),
        "nvr/1/2026-11-02": Day(states: states(1440, .unknown, []), share: 0, alert: false),
        "nvr/2/2026-11-01": Day(
            states: states(1500, .empty, [(640..<660, .lost), (660..<670, .unverified), (670..<680, .lost)]), share: 10.0 / 40,
            alert: true),
        "nvr/2/2026-11-02": Day(states: states(1440, .empty, [(0..<30, .pending)]), share: 0, alert: false)
    ]

    /// An error text with markup in it (a recorder answers what it likes): the page must show
    /// it as text, not run it.
    static let hostileError = "HTTP 503 from the recorder </script><img id=\"injected\" src=x onerror=\"window.injected=1\">"

    static func states(_ count: Int, _ fill: MinuteState, _ runs: [(Range<Int>, MinuteState)]) -> [MinuteState] {
        var states = [MinuteState](repeating: fill, count: count)
        for (range, state) in runs { for minute in range { states[minute] = state } }
        return states
    }

    static func range(_ key: String) throws -> (String, Int, Int64, Int64) {
        let parts = key.split(separator: "/").map(String.init)
        let start = parts[2] == "2026-11-01" ? dayStart : nextDay
        let end = parts[2] == "2026-11-01" ? nextDay : dayAfter
        return (parts[0], Int(parts[1])!, start.unixMicros, end.unixMicros)
    }

    static func bitmap(_ count: Int, _ recorded: Range<Int>) -> [Bool] { (0..<count).map { recorded.contains($0) } }

    /// Channel 1: ten minutes from 10:00 checked, the last one then damaged on disk, the first
    /// deleted by a quota; the recorder's 09:50–10:20, its export of 10:15–10:20 failed; a hold
    /// over 10:02–10:05 and an extraction of 10:05–10:07 (by the CLI); a backup push. Then
    /// channel 2: ten minutes never checked, the recorder's 09:40–10:20 overwritten (lost) and
    /// 00:00–00:30 of the next day on it.
    static func make(_ work: String) async throws -> Archive {
        let archive = try await SyntheticArchive.make(root: work + "/archive")
        _ = try await archive.verify(level: .full)
        let ch1 = try archive.segmentDetails(server: "nvr", channel: 1, from: 0, to: .max)
        let damaged = archive.blobs.path(of: ch1.last!.sha256)
        let file = FileManager.default.fileExists(atPath: damaged) ? damaged : damaged + ".zst"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seek(toOffset: 600)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 64))
        try handle.close()
        _ = try await archive.verify(level: .full)
        let plan = try archive.retentionPlan(RetentionPolicy(quotaBytes: try archive.overview().storedBytes - 1))
        _ = try await archive.applyRetention(plan, actor: "tests", policyText: "quotaGB")

        let run = try archive.startRun()
        try archive.updateRecorderDays(
            server: "nvr", channel: 1,
            current: [RecorderDay(day: "2026-11-01", startMicros: dayStart.unixMicros, recorded: bitmap(1500, 650..<680))],
            forgetting: [], lost: [], run: run)
        let failedFrom = dayStart.unixMicros + 675 * 60_000_000
        try archive.record(
            window: WindowRecord(
                server: "nvr", channel: 1, startMicros: failedFrom, endMicros: failedFrom + 5 * 60_000_000, attempts: 3, status: .failed,
                error: Scenario.hostileError, bytes: 0, files: 0),
            run: run)
        try archive.finishRun(run, status: .complete, reportJSON: "{}")
        let holdFrom = dayStart.unixMicros + 662 * 60_000_000
        try archive.addHold(
            caseID: "C-42", server: "nvr", channel: 1, startMicros: holdFrom, endMicros: holdFrom + 3 * 60_000_000, reason: "test",
            actor: "tests")
        let extracted = try CLI.run(
            "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:05:00-05:00", "--to",
            "2026-11-01T10:07:00-05:00", "--case", "C-7", "--requester", "Det. Kim", "--reason", "burglary", "--no-hold", "--output",
            work + "/package", "--archive", work + "/archive")
        guard extracted.status == 0 else { throw Browser.Failed(description: "evidence extract: \(extracted)") }
        let pushed = try CLI.run("backup", "push", work + "/offsite", "--label", "offsite-a", "--archive", work + "/archive")
        // Exit 1: the damaged blob is left out of the copy; the other eight are pushed.
        guard pushed.status == 1, pushed.output.contains("9 blobs, copied 8") else {
            throw Browser.Failed(description: "backup push: \(pushed.output) \(pushed.errors)")
        }

        // The recorder's channel 3 records around the clock but for an hour a day (channel 2 records on motion).
        for path in try await SyntheticArchive.recordings(channel: 3, into: work + "/files") {
            _ = try await archive.ingest(file: path, server: "nvr", channel: 2, recorderZone: SyntheticArchive.zone)
        }
        let second = try archive.startRun()
        try archive.updateRecorderDays(
            server: "nvr", channel: 2,
            current: [RecorderDay(day: "2026-11-01", startMicros: dayStart.unixMicros, recorded: bitmap(1500, 640..<680))],
            forgetting: [], lost: [], run: second)
        try archive.updateRecorderDays(
            server: "nvr", channel: 2,
            current: [RecorderDay(day: "2026-11-02", startMicros: nextDay.unixMicros, recorded: bitmap(1440, 0..<30))],
            forgetting: ["2026-11-01"], lost: [LostDay(server: "nvr", channel: 2, day: "2026-11-01", minutes: 30)], run: second)
        try archive.finishRun(second, status: .incomplete, reportJSON: "{}")
        return archive
    }
}
