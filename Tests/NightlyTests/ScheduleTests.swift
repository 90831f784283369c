import Foundation
import Nightly
import Testing

/// When the daemon starts runs: daily times and cron expressions on the worker's local clock,
/// across the days the clock jumps.
@Suite(.timeLimit(.minutes(5))) struct ScheduleTests {
    static let newYork: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "America/New_York")!
        return c
    }()

    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    func next(_ cron: String, after iso: String) throws -> Date? {
        try CronSchedule(cron).next(after: Self.at(iso), calendar: Self.newYork)
    }

    @Test func cronFieldsSelectTheNextMinute() throws {
        // 01:30 every day: later today, else tomorrow.
        #expect(try next("30 1 * * *", after: "2026-11-24T00:10:00-05:00") == Self.at("2026-11-24T01:30:00-05:00"))
        #expect(try next("30 1 * * *", after: "2026-11-24T01:30:00-05:00") == Self.at("2026-11-25T01:30:00-05:00"))
        // Every 15 minutes from minute 5: 05, 20, 35, 50.
        #expect(try next("5/15 * * * *", after: "2026-11-24T10:36:00-05:00") == Self.at("2026-11-24T10:50:00-05:00"))
        #expect(try next("*/20 9-17 * * *", after: "2026-11-24T17:41:00-05:00") == Self.at("2026-11-25T09:00:00-05:00"))
        // Weekdays by name: Friday Nov 27 2026 → Monday Nov 30.
        #expect(try next("0 2 * * MON-FRI", after: "2026-11-27T03:00:00-05:00") == Self.at("2026-11-30T02:00:00-05:00"))
        // Sunday as 7 and as 0.
        #expect(try next("0 3 * * 7", after: "2026-11-24T00:00:00-05:00") == Self.at("2026-11-29T03:00:00-05:00"))
        #expect(try next("0 3 * * 0", after: "2026-11-24T00:00:00-05:00") == Self.at("2026-11-29T03:00:00-05:00"))
        // Both day fields restricted: either matches (the 1st, or a Monday).
        #expect(try next("0 4 1 * MON", after: "2026-11-24T05:00:00-05:00") == Self.at("2026-11-30T04:00:00-05:00"))
        #expect(try next("0 4 1 * MON", after: "2026-11-30T05:00:00-05:00") == Self.at("2026-12-01T04:00:00-05:00"))
        // Months by name and lists.
        #expect(try next("0 0 1 JAN,JUL *", after: "2026-11-24T00:00:00-05:00") == Self.at("2027-01-01T00:00:00-05:00"))
        // February 30 never comes.
        #expect(try next("0 0 30 2 *", after: "2026-11-24T00:00:00-05:00") == nil)
    }

    @Test func cronFollowsTheLocalClockAcrossDST() throws {
        // Spring forward (Mar 8 2026, 02:00 → 03:00): 02:30 does not exist; it fires when the
        // clock resumes, once.
        let skipped = try #require(try next("30 2 * * *", after: "2026-03-08T00:00:00-05:00"))
        #expect(skipped >= Self.at("2026-03-08T03:00:00-04:00") && skipped <= Self.at("2026-03-08T03:30:00-04:00"))
        // Fall back (Nov 1 2026, 02:00 → 01:00): 01:30 happens twice and fires once, at the first.
        let first = try #require(try next("30 1 * * *", after: "2026-11-01T00:00:00-04:00"))
        #expect(first == Self.at("2026-11-01T01:30:00-04:00"))
        #expect(try next("30 1 * * *", after: "2026-11-01T01:31:00-04:00") == Self.at("2026-11-02T01:30:00-05:00"))
        // A daily time is local too: 01:00 after the change is 06:00 UTC, not 05:00.
        let daily = DaemonSchedule.daily(TimeOfDay("01:00")!).next(after: Self.at("2026-11-01T12:00:00-05:00"), calendar: Self.newYork)
        #expect(daily == Self.at("2026-11-02T01:00:00-05:00"))
    }

    @Test func malformedExpressionsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("0 1 * *", "needs 5 fields"), ("60 1 * * *", "minute '60' must be a number in 0-59"),
            ("0 24 * * *", "hour '24'"), ("0 1 0 * *", "day-of-month '0'"), ("0 1 * 13 *", "month '13'"),
            ("0 1 * * 8", "day-of-week '8'"), ("*/0 * * * *", "step '0' must be a positive number"),
            ("5-1 * * * *", "runs backwards"), ("0 1 * FOO *", "month 'FOO'"), ("1,,2 * * * *", "minute ''")
        ]
        for (expression, message) in cases {
            let error = #expect(throws: CronSchedule.ParseError.self, "\(expression)") { _ = try CronSchedule(expression) }
            #expect(error?.description.contains(message) == true, "\(expression): \(String(describing: error))")
        }
    }

    @Test func configurationCheckNamesTheScheduleKey() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        let base = "archive: /tmp/a\nservers:\n  - name: n\n    url: http://x\n    apiKey: { env: K }\n"
        try (base + "schedule: { cron: \"61 1 * * *\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
        let problems = ConfigurationLoader.check(path: path).1.filter { $0.severity == .error }
        #expect(problems.map(\.path) == ["schedule.cron"] && problems.first?.message.contains("minute '61'") == true, "\(problems)")
        try (base + "schedule: { cron: \"0 1 * * *\", daily: \"01:00\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ConfigurationLoader.check(path: path).1.map(\.path) == ["schedule"])
        try (base + "schedule: { cron: \"30 2 * * 1-5\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(path: path).0
        #expect(try config.schedule?.resolved() == .cron(try CronSchedule("30 2 * * 1-5")))
    }
}
