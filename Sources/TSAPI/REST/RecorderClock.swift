import Foundation

/// Reads and writes the recorder's times in its own IANA zone (§1.3): times without an
/// offset are local to the recorder, and every time the client sends carries an explicit
/// offset so no reading is ambiguous, DST days included.
public struct RecorderTimeZone: Sendable, Hashable {
    public let zone: TimeZone

    public init(_ zone: TimeZone) { self.zone = zone }

    /// From `/api/v1/info`: the IANA name, else a `UTC±hh:mm` or bias form.
    public init?(name: String?, bias: String?) {
        if let name, let zone = TimeZone(identifier: name) {
            self.zone = zone
        } else if let offset = Self.offsetSeconds(name ?? bias ?? ""), let zone = TimeZone(secondsFromGMT: offset) {
            self.zone = zone
        } else {
            return nil
        }
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// `2026-11-25T10:00:00+09:00`.
    public func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let offset = zone.secondsFromGMT(for: date)
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
            sign, a / 3600, (a % 3600) / 60)
    }

    /// Parses every form the reference lists: optional fraction, `Z`, `±hh:mm`, `±hhmm`,
    /// `±hh`, or no offset (recorder local time), and date-only (local midnight).
    public func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let scanner = Array(trimmed)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= scanner.count else { return nil }
            return Int(String(scanner[from..<(from + count)]))
        }
        guard let year = number(0, 4), scanner.count >= 10, scanner[4] == "-", scanner[7] == "-",
            let month = number(5, 2), let day = number(8, 2)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        var index = 10
        if index < scanner.count, scanner[index] == "T" || scanner[index] == " " {
            guard let h = number(11, 2), scanner.count > 13, scanner[13] == ":", let m = number(14, 2) else { return nil }
            hour = h
            minute = m
            index = 16
            if index < scanner.count, scanner[index] == ":" {
                guard let s = number(17, 2) else { return nil }
                second = s
                index = 19
            }
            if index < scanner.count, scanner[index] == "." {
                var digits = ""
                index += 1
                while index < scanner.count, scanner[index].isNumber {
                    digits.append(scanner[index])
                    index += 1
                }
                fraction = Double("0." + digits) ?? 0
            }
        }
        let rest = String(scanner[index...])
        var components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if rest.isEmpty {
            components.timeZone = zone
        } else if let offset = Self.offsetSeconds(rest), let fixed = TimeZone(secondsFromGMT: offset) {
            components.timeZone = fixed
        } else {
            return nil
        }
        var utcCalendar = Calendar(identifier: .gregorian)
        utcCalendar.timeZone = components.timeZone!
        return utcCalendar.date(from: components).map { $0.addingTimeInterval(fraction) }
    }

    /// `Z`, `UTC`, `+09:00`, `-0500`, `-05`, `UTC-05:00` → seconds east of UTC.
    static func offsetSeconds(_ text: String) -> Int? {
        var t = text
        if t.hasPrefix("UTC") { t.removeFirst(3) }
        if t == "Z" || t.isEmpty && text.hasPrefix("UTC") { return 0 }
        guard let sign = t.first, sign == "+" || sign == "-" else { return nil }
        let digits = t.dropFirst().filter { $0 != ":" }
        guard digits.allSatisfy(\.isNumber), digits.count == 2 || digits.count == 4 else { return nil }
        let hours = Int(digits.prefix(2))!
        let minutes = digits.count == 4 ? Int(digits.suffix(2))! : 0
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    /// The recorder-local calendar day containing `date`: its start and the next day's start.
    public func localDay(containing date: Date) -> LocalDay {
        let start = calendar.startOfDay(for: date)
        let next = calendar.date(byAdding: .day, value: 1, to: start)!
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        return LocalDay(year: c.year!, month: c.month!, day: c.day!, start: start, end: calendar.startOfDay(for: next))
    }

    /// The instant of a local wall-clock minute (the first, where a DST change repeats it).
    func localInstant(year: Int, month: Int, day: Int, hour: Int, minute: Int) -> Date? {
        calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))
    }

    /// The second occurrence of `first`'s wall-clock time, an hour later, when a DST change
    /// repeats that hour; nil otherwise.
    func repeatedOccurrence(of first: Date) -> Date? {
        let later = first.addingTimeInterval(3600)
        let a = calendar.dateComponents([.hour, .minute], from: first)
        let b = calendar.dateComponents([.hour, .minute], from: later)
        return a == b ? later : nil
    }

    public func localDay(year: Int, month: Int, day: Int) -> LocalDay? {
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) else { return nil }
        return localDay(containing: date)
    }
}

/// One calendar day in the recorder's zone; 23, 24 or 25 hours long.
public struct LocalDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    /// UTC instants of this day's local midnight and the next one.
    public let start: Date
    public let end: Date

    public var minuteCount: Int { Int(end.timeIntervalSince(start) / 60) }
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public static func < (a: LocalDay, b: LocalDay) -> Bool { a.start < b.start }
}
