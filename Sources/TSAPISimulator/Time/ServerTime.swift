import Foundation

/// Instants are whole UTC seconds (or milliseconds where frames need it) since the Unix epoch.
public typealias UnixSeconds = Int64

/// A parsed TS-API time value, remembering how it was written: the protocol answers UTC
/// requests in UTC calendar days and local requests in the server's local days.
public struct ParsedTime: Sendable, Equatable {
    public var seconds: UnixSeconds
    public var milliseconds: Int
    public var wasUTC: Bool
    public var hadOffset: Bool
}

/// Parses and formats the ISO 8601 forms TS-API v1 uses, in the recorder's own time zone.
public struct ServerTime: Sendable {
    public let zone: TimeZone
    private let calendar: Calendar

    public init(zone: TimeZone) {
        self.zone = zone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    // MARK: formatting

    public func offsetSeconds(at seconds: UnixSeconds) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// `+09:00` style offset in force at `seconds`.
    public func bias(at seconds: UnixSeconds) -> String { Self.offsetString(offsetSeconds(at: seconds)) }

    static func offsetString(_ offset: Int) -> String {
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return sign + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    /// Local wall-clock fields of an instant, computed arithmetically from the zone offset.
    public func localFields(_ seconds: UnixSeconds) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let local = seconds + Int64(offsetSeconds(at: seconds))
        let (days, secondOfDay) = floorDivMod(local, 86_400)
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, Int(secondOfDay / 3600), Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60))
    }

    /// `2024-01-01T10:30:00` — the v1 output form (server local time, no offset).
    public func formatLocal(_ seconds: UnixSeconds) -> String {
        let f = localFields(seconds)
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))"
    }

    /// `2018-07-27T09:00:00.000-05:00` — the legacy output form with millis and offset.
    public func formatLocalWithOffset(_ seconds: UnixSeconds, milliseconds: Int = 0) -> String {
        formatLocal(seconds) + "." + pad(milliseconds, 3) + bias(at: seconds)
    }

    public static func formatUTC(milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivMod(milliseconds, 1000)
        let (days, sod) = floorDivMod(seconds, 86_400)
        let (y, m, d) = civilFromDays(days)
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(sod / 3600), 2)):\(pad(Int(sod % 3600 / 60), 2)):\(pad(Int(sod % 60), 2)).\(pad(Int(millis), 3))Z"
    }

    // MARK: local days

    /// The instant of local midnight starting the local day that contains `seconds`.
    public func startOfLocalDay(_ seconds: UnixSeconds) -> UnixSeconds {
        let f = localFields(seconds)
        return localInstant(year: f.year, month: f.month, day: f.day)
    }

    /// The instant of a local wall-clock time; in a DST gap it moves forward, in the repeated
    /// hour it takes the first occurrence, as recorders' calendars do.
    public func localInstant(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> UnixSeconds {
        let naive = daysFromCivil(year, month, day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        // Try the offsets in force around the naive instant; the first that round-trips wins.
        let candidates = [offsetSeconds(at: naive - 86_400), offsetSeconds(at: naive), offsetSeconds(at: naive + 86_400)]
        for offset in candidates.sorted(by: >) {
            let guess = naive - Int64(offset)
            if offsetSeconds(at: guess) == offset { return guess }
        }
        return naive - Int64(offsetSeconds(at: naive))
    }

    /// The local day after the one starting at `midnight`.
    public func nextLocalDay(after midnight: UnixSeconds) -> UnixSeconds {
        let f = localFields(midnight + 36 * 3600)
        return localInstant(year: f.year, month: f.month, day: f.day)
    }

    // MARK: parsing

    /// Accepts extended ISO 8601 with optional fraction and `Z`/`±HH:MM`/`±HHMM`/`±HH`, and a
    /// date alone (local midnight). With `lenient`, also the forms example clients send:
    /// `YYYYMMDD`, `YYYYMMDDhhmmss`, a space (or form-decoded `+`) instead of `T`, trailing CR/LF.
    public func parse(_ raw: String, lenient: Bool = true) -> ParsedTime? {
        var text = raw
        if lenient { text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var chars = Array(text.utf8)
        if lenient, chars.count >= 19, chars[10] == UInt8(ascii: " ") || chars[10] == UInt8(ascii: "+") {
            chars[10] = UInt8(ascii: "T")
        }
        if lenient, chars.count == 8 || chars.count == 14, chars.allSatisfy(isDigit) {
            return parseCompact(chars)
        }
        return parseExtended(chars)
    }

    private func parseCompact(_ c: [UInt8]) -> ParsedTime? {
        let y = number(c, 0, 4)
        let mo = number(c, 4, 2)
        let d = number(c, 6, 2)
        let h = c.count == 14 ? number(c, 8, 2) : 0
        let mi = c.count == 14 ? number(c, 10, 2) : 0
        let s = c.count == 14 ? number(c, 12, 2) : 0
        return makeLocal(y, mo, d, h, mi, s, 0)
    }

    private func parseExtended(_ c: [UInt8]) -> ParsedTime? {
        guard c.count >= 10, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-") else { return nil }
        guard let y = number(c, 0, 4), let mo = number(c, 5, 2), let d = number(c, 8, 2) else { return nil }
        if c.count == 10 { return makeLocal(y, mo, d, 0, 0, 0, 0) }
        guard c[10] == UInt8(ascii: "T"), c.count >= 16, c[13] == UInt8(ascii: ":"),
            let h = number(c, 11, 2), let mi = number(c, 14, 2)
        else { return nil }
        var i = 16
        var s = 0
        var millis = 0
        if i < c.count, c[i] == UInt8(ascii: ":") {
            guard let sec = number(c, i + 1, 2) else { return nil }
            s = sec
            i += 3
        }
        if i < c.count, c[i] == UInt8(ascii: ".") || c[i] == UInt8(ascii: ",") {
            var j = i + 1
            var digits = 0
            while j < c.count, isDigit(c[j]) {
                if digits < 3 { millis = millis * 10 + Int(c[j] - 48) }
                digits += 1
                j += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
            i = j
        }
        if i == c.count { return makeLocal(y, mo, d, h, mi, s, millis) }
        guard let offset = parseOffset(Array(c[i...])) else { return nil }
        guard validFields(y, mo, d, h, mi, s) else { return nil }
        let seconds = daysFromCivil(y, mo, d) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset.seconds)
        return ParsedTime(seconds: seconds, milliseconds: millis, wasUTC: offset.isZulu || offset.seconds == 0, hadOffset: true)
    }

    private func parseOffset(_ c: [UInt8]) -> (seconds: Int, isZulu: Bool)? {
        if c == [UInt8(ascii: "Z")] || c == [UInt8(ascii: "z")] { return (0, true) }
        guard let first = c.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") else { return nil }
        let sign = first == UInt8(ascii: "-") ? -1 : 1
        let rest = Array(c.dropFirst())
        let hours: Int?
        let minutes: Int?
        switch rest.count {
        case 2:
            hours = number(rest, 0, 2)
            minutes = 0
        case 4:
            hours = number(rest, 0, 2)
            minutes = number(rest, 2, 2)
        case 5 where rest[2] == UInt8(ascii: ":"):
            hours = number(rest, 0, 2)
            minutes = number(rest, 3, 2)
        default: return nil
        }
        guard let hours, let minutes, hours <= 14, minutes < 60 else { return nil }
        return (sign * (hours * 3600 + minutes * 60), false)
    }

    private func makeLocal(_ y: Int?, _ mo: Int?, _ d: Int?, _ h: Int?, _ mi: Int?, _ s: Int?, _ ms: Int) -> ParsedTime? {
        guard let y, let mo, let d, let h, let mi, let s, validFields(y, mo, d, h, mi, s) else { return nil }
        return ParsedTime(
            seconds: localInstant(year: y, month: mo, day: d, hour: h, minute: mi, second: s),
            milliseconds: ms, wasUTC: false, hadOffset: false)
    }

    private func validFields(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Bool {
        (1970...2200).contains(y) && (1...12).contains(mo) && (1...31).contains(d) && d <= daysInMonth(y, mo)
            && (0...23).contains(h) && (0...59).contains(mi) && (0...60).contains(s)
    }
}

// MARK: civil calendar arithmetic (Howard Hinnant's algorithms), independent of Foundation.

func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int64(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
}

func daysInMonth(_ year: Int, _ month: Int) -> Int {
    Int(daysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1))
}

func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    let q = a >= 0 ? a / b : -((-a + b - 1) / b)
    return (q, a - q * b)
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

private func number(_ c: [UInt8], _ start: Int, _ length: Int) -> Int? {
    guard start + length <= c.count else { return nil }
    var value = 0
    for i in start..<(start + length) {
        guard isDigit(c[i]) else { return nil }
        value = value * 10 + Int(c[i] - 48)
    }
    return value
}
