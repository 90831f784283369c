/// The recording-search answers (days, minutes) derived from the schedule.
extension RecordingSchedule {
    /// One character per minute from `start`: '1' when any recording overlaps that minute.
    /// The length is the elapsed minutes of the window, so a 23- or 25-hour local day gives
    /// 1380 or 1500 characters; an end at a whole minute is exclusive, otherwise the minute
    /// holding the end is included (00:00:00–23:59:59 gives 1440 on an ordinary day).
    public func minutesBitmap(channel chid: Int, from start: UnixSeconds, through end: UnixSeconds, now: UnixSeconds) -> String {
        let count = minuteCount(from: start, through: end)
        guard count > 0 else { return "" }
        var bits = [UInt8](repeating: UInt8(ascii: "0"), count: count)
        let window = TimeSpan(start, start + Int64(count) * 60)
        for span in recordings(channel: chid, in: window, now: now) {
            let first = Int((span.start - start) / 60)
            let last = Int((span.end - 1 - start) / 60)
            for i in max(0, first)...min(count - 1, last) { bits[i] = UInt8(ascii: "1") }
        }
        return String(decoding: bits, as: UTF8.self)
    }

    public func minuteCount(from start: UnixSeconds, through end: UnixSeconds) -> Int {
        guard end > start else { return 0 }
        let elapsed = end - start
        return Int(elapsed % 60 == 0 ? elapsed / 60 : elapsed / 60 + 1)
    }

    /// Calendar days (local, or UTC when `utc`) of `window` on which `chid` has recordings.
    public func recordedDays(channel chid: Int, in window: TimeSpan, now: UnixSeconds, utc: Bool) -> [CalendarDay] {
        var days = Set<CalendarDay>()
        for span in recordings(channel: chid, in: window, now: now) {
            var t = span.start
            while t < span.end {
                let day = utc ? CalendarDay(utcSeconds: t) : CalendarDay(local: time.localFields(t))
                days.insert(day)
                let nextMidnight = utc ? (floorDivMod(t, 86_400).0 + 1) * 86_400 : time.nextLocalDay(after: time.startOfLocalDay(t))
                t = nextMidnight
            }
        }
        return days.sorted()
    }
}

public struct CalendarDay: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    init(local f: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) {
        year = f.year
        month = f.month
        day = f.day
    }

    init(utcSeconds: UnixSeconds) {
        (year, month, day) = civilFromDays(floorDivMod(utcSeconds, 86_400).0)
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}
