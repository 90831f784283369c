import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) as Vixie cron
/// reads it: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month and
/// weekday names (`JAN`, `MON`), Sunday as 0 or 7. When both day fields are restricted a day
/// matching either one fires, as in cron. Evaluated on the worker's local clock.
public struct CronSchedule: Sendable, Hashable {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public init(_ expression: String) throws {
        let fields = expression.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "needs 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        self.expression = fields.joined(separator: " ")
        minutes = try Self.field(fields[0], name: "minute", range: 0...59)
        hours = try Self.field(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[2], name: "day-of-month", range: 1...31)
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames)
        // 7 is Sunday too; fold it onto 0.
        daysOfWeek = Set(try Self.field(fields[4], name: "day-of-week", range: 0...7, names: Self.dayNames).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    /// The first matching minute strictly after `date`, in `calendar`'s time zone; nil if
    /// nothing matches within eight years (`0 0 31 2 *`: February never has a 31st).
    public func next(after date: Date, calendar: Calendar = .current) -> Date? {
        var day = calendar.startOfDay(for: date)
        for _ in 0..<(366 * 8) {
            if matches(day: day, calendar: calendar), let fire = firstTime(on: day, after: date, calendar: calendar) {
                return fire
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return nil
    }

    private func matches(day: Date, calendar: Calendar) -> Bool {
        let c = calendar.dateComponents([.day, .month, .weekday], from: day)
        guard months.contains(c.month!) else { return false }
        let byMonthDay = daysOfMonth.contains(c.day!)
        let byWeekDay = daysOfWeek.contains(c.weekday! - 1)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return byMonthDay || byWeekDay
        case (true, false): return byMonthDay
        case (false, true): return byWeekDay
        case (false, false): return true
        }
    }

    /// The earliest listed hour:minute of `day` later than `after`. A time the clock skips
    /// (spring forward) fires when the clock resumes; a time it repeats fires once.
    private func firstTime(on day: Date, after: Date, calendar: Calendar) -> Date? {
        var parts = calendar.dateComponents([.year, .month, .day], from: day)
        for hour in hours.sorted() {
            for minute in minutes.sorted() {
                parts.hour = hour
                parts.minute = minute
                if let fire = calendar.date(from: parts), calendar.isDate(fire, inSameDayAs: day), fire > after { return fire }
            }
        }
        return nil
    }

    static let monthNames = [
        "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
        "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12
    ]
    static let dayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]

    /// One field: a comma list of `*`, `v`, `a-b`, each optionally `/step`.
    static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String: Int] = [:]) throws -> Set<Int> {
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(stepParts.count) else { throw ParseError(description: "\(name) '\(item)' has more than one '/'") }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s > 0 else {
                    throw ParseError(description: "\(name) step '\(stepParts[1])' must be a positive number")
                }
                step = s
            }
            let span: ClosedRange<Int>
            if stepParts[0] == "*" {
                span = range
            } else {
                let bounds = stepParts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count) else { throw ParseError(description: "\(name) '\(item)' is not a value or a range") }
                let low = try value(bounds[0], name: name, range: range, names: names)
                // `5/15` means from 5 to the end in steps of 15, as in cron.
                let high =
                    bounds.count == 2
                    ? try value(bounds[1], name: name, range: range, names: names)
                    : (stepParts.count == 2 ? range.upperBound : low)
                guard low <= high else { throw ParseError(description: "\(name) range '\(stepParts[0])' runs backwards") }
                span = low...high
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    static func value(_ text: Substring, name: String, range: ClosedRange<Int>, names: [String: Int]) throws -> Int {
        if let named = names[text.uppercased()] { return named }
        guard let number = Int(text), range.contains(number) else {
            throw ParseError(
                description: "\(name) '\(text)' must be a number in \(range.lowerBound)-\(range.upperBound)"
                    + (names.isEmpty ? "" : " or a name like \(names.keys.sorted().first!)"))
        }
        return number
    }
}
