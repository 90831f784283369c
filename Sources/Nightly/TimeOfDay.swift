import Foundation

/// A local time of day as the configuration writes it, `HH:MM` on a 24-hour clock: the daily
/// schedule and both ends of the run window.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    /// nil unless `text` is `H:MM` or `HH:MM` with an hour below 24 and a minute below 60.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute), parts[1].count == 2
        else { return nil }
        self.hour = hour
        self.minute = minute
    }

    public var minuteOfDay: Int { hour * 60 + minute }
    public var description: String { String(format: "%02d:%02d", hour, minute) }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }

    /// The minute of the day `date` falls in, on `calendar`'s clock.
    public static func minuteOfDay(of date: Date, calendar: Calendar) -> Int {
        calendar.component(.hour, from: date) * 60 + calendar.component(.minute, from: date)
    }

    /// The first instant strictly after `now` at which the clock reads this time.
    public func next(after now: Date, calendar: Calendar) -> Date {
        var next = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: now)!
        if next <= now { next = calendar.date(byAdding: .day, value: 1, to: next)! }
        return next
    }
}

extension TSVaultConfiguration.RunWindow {
    /// When the window closes, seen at `now` on `calendar`'s clock: the next end when `now` is
    /// inside it, `now` itself when it is closed (no export may start). A window whose end is
    /// before its start spans midnight; one whose start equals its end never opens. Call after
    /// validation: a window that does not parse is treated as closed.
    public func deadline(at now: Date, calendar: Calendar = .current) -> Date {
        guard let start = TimeOfDay(self.start), let end = TimeOfDay(self.end) else { return now }
        let minute = TimeOfDay.minuteOfDay(of: now, calendar: calendar)
        let inside =
            start <= end
            ? (start.minuteOfDay..<end.minuteOfDay).contains(minute)
            : (minute >= start.minuteOfDay || minute < end.minuteOfDay)
        return inside ? end.next(after: now, calendar: calendar) : now
    }
}
