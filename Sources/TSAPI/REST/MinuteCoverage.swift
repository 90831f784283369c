import Foundation

/// The recording minutes of one channel over one recorder-local day, in UTC: minute `i`
/// starts at `day.start + 60·i`. Built from the `/recording/minutes` bitmap after checking its
/// length against the day's real length (1380, 1440 or 1500 minutes).
public struct MinuteCoverage: Sendable, Hashable {
    public var channel: Int
    public var day: LocalDay
    public var recorded: [Bool]

    public var recordedCount: Int { recorded.lazy.filter { $0 }.count }

    /// UTC start of every recorded minute.
    public var recordedMinuteStarts: [Date] {
        recorded.indices.filter { recorded[$0] }.map { day.start.addingTimeInterval(TimeInterval($0 * 60)) }
    }

    /// Runs of consecutive recorded minutes as UTC half-open intervals.
    public var recordedRuns: [Range<Date>] {
        var runs: [Range<Date>] = []
        var runStart: Int?
        for i in 0...recorded.count {
            let on = i < recorded.count && recorded[i]
            if on, runStart == nil { runStart = i }
            if !on, let s = runStart {
                runs.append(day.start.addingTimeInterval(TimeInterval(s * 60))..<day.start.addingTimeInterval(TimeInterval(i * 60)))
                runStart = nil
            }
        }
        return runs
    }

    /// Parses a bitmap; any character but '0' counts as recorded (§4.2 item 2).
    static func parse(bitmap: String, channel: Int, day: LocalDay, server: String) throws -> MinuteCoverage {
        guard bitmap.count == day.minuteCount else {
            throw TSAPIError.bitmapLength(
                server: server, channel: channel, range: "\(day) (\(day.minuteCount / 60) h)",
                expected: day.minuteCount, actual: bitmap.count)
        }
        return MinuteCoverage(channel: channel, day: day, recorded: bitmap.map { $0 != "0" })
    }
}
