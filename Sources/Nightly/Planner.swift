import Archive
import Foundation
import TSAPI

/// One export to run: a channel and a UTC window of whole minutes.
public struct ExportWindow: Sendable, Hashable, Codable {
    public var server: String
    public var channel: Int
    public var start: Date
    public var end: Date
    /// Recorded minutes inside the window that the archive lacks.
    public var missingMinutes: Int
}

/// What the recorder holds of one channel and what of it the archive lacks.
public struct ChannelPlan: Sendable, Hashable, Codable {
    public var server: String
    public var channel: Int
    public var recorderMinutes = 0
    public var archivedMinutes = 0
    public var windows: [ExportWindow] = []
    /// Per local day the recorder still holds: its bitmap (for the lost-minutes ledger).
    public var days: [RecorderDay] = []
    /// Seconds spent asking the recorder, and planning (archive coverage and windows).
    public var recorderSeconds = 0.0
    public var planningSeconds = 0.0

    public var missingMinutes: Int { recorderMinutes - archivedMinutes }
}

/// Turns bitmaps into export windows: recorded minutes the archive lacks, in runs; runs
/// separated by a short stretch merge (one export instead of two), runs longer than the cap
/// split; oldest first, because the recorder overwrites its oldest footage first.
public enum Planner {
    /// Minute ranges [start, end) within one day to export.
    public static func windows(recorded: [Bool], archived: [Bool], mergeGap: Int, maxLength: Int, usable: Range<Int>) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for i in usable.lowerBound...usable.upperBound {
            let missing = i < usable.upperBound && recorded[i] && !(i < archived.count && archived[i])
            if missing, start == nil { start = i }
            if !missing, let s = start {
                if let last = runs.last, s - last.upperBound <= mergeGap {
                    runs[runs.count - 1] = last.lowerBound..<i
                } else {
                    runs.append(s..<i)
                }
                start = nil
            }
        }
        return runs.flatMap { run in
            stride(from: run.lowerBound, to: run.upperBound, by: max(1, maxLength)).map { $0..<min($0 + maxLength, run.upperBound) }
        }
    }

    /// Plans every channel of one recorder against the archive.
    public static func plan(
        client: TSAPIClient, zone: RecorderTimeZone, archive: Archive, server: TSVaultConfiguration.Server,
        settings: TSVaultConfiguration, now: Date
    ) async throws -> [ChannelPlan] {
        let channels: [Int]
        switch server.channels {
        case .all: channels = try await client.channels().map(\.chid)
        case .list(let list): channels = list
        }
        let horizon = now.addingTimeInterval(-Double(settings.planner.settleMinutes * 60))
        let earliest = now.addingTimeInterval(-Double(settings.lookBackDays * 86_400))
        var plans: [ChannelPlan] = []
        for channel in channels {
            var plan = ChannelPlan(server: server.name, channel: channel)
            var clock = ContinuousClock.now
            let recordedDays = try await client.recordingDays(channel: channel, zone: zone).days
            plan.recorderSeconds += seconds(since: &clock)
            for day in recordedDays where day.end > earliest && day.start < horizon {
                let coverage = try await client.recordingMinutes(channel: channel, day: day, zone: zone)
                plan.recorderSeconds += seconds(since: &clock)
                let archived =
                    try archive.coverage(server: server.name, channel: channel, from: day.start, to: day.end, zone: zone.zone)
                    .first?.minutes ?? []
                let usable = LocalDayRange(start: day.start, minutes: day.minuteCount).usable(earliest: earliest, horizon: horizon)
                plan.days.append(RecorderDay(day: day.description, startMicros: day.start.unixMicros, recorded: coverage.recorded))
                for i in usable {
                    guard coverage.recorded[i] else { continue }
                    plan.recorderMinutes += 1
                    if i < archived.count, archived[i] { plan.archivedMinutes += 1 }
                }
                plan.windows += windows(
                    recorded: coverage.recorded, archived: archived, mergeGap: settings.planner.mergeGapMinutes,
                    maxLength: settings.planner.maxWindowMinutes, usable: usable
                ).map { range in
                    ExportWindow(
                        server: server.name, channel: channel,
                        start: day.start.addingTimeInterval(Double(range.lowerBound * 60)),
                        end: day.start.addingTimeInterval(Double(range.upperBound * 60)),
                        missingMinutes: range.filter { coverage.recorded[$0] && !($0 < archived.count && archived[$0]) }.count)
                }
                plan.planningSeconds += seconds(since: &clock)
            }
            plans.append(plan)
        }
        return plans
    }

    private static func seconds(since clock: inout ContinuousClock.Instant) -> Double {
        let now = ContinuousClock.now
        let elapsed = now - clock
        clock = now
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

}
