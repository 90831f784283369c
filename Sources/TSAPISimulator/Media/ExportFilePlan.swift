/// Which GOPs go into which export file for one channel of an export window.
public struct ExportFilePlan: Sendable, Equatable {
    /// Runs of consecutive GOP indices; more than one run means the file has holes.
    public var runs: [ClosedRange<Int64>]
    public var estimatedBytes: Int

    public var firstGOP: Int64 { runs[0].lowerBound }
}

extension ExportFilePlan {
    /// Splits the recordings of a channel inside `window` into files: GOPs overlapping the
    /// window (so a file starts at the keyframe at or before the requested start), one file
    /// per recorded span in split mode or one file with holes in hole mode, and a new file
    /// whenever the next GOP would take the file past `mediaSize`.
    static func plan(
        recordings: [TimeSpan], gopSeconds: Int64, gapMode: SimulatorConfiguration.GapMode,
        mediaSize: Int, gopBytes: (Int64) -> Int
    ) -> [ExportFilePlan] {
        let runs: [ClosedRange<Int64>] = recordings.map { span in
            floorDivMod(span.start, gopSeconds).0...(floorDivMod(span.end + gopSeconds - 1, gopSeconds).0 - 1)
        }
        let groups: [[ClosedRange<Int64>]] = gapMode == .split ? runs.map { [$0] } : (runs.isEmpty ? [] : [runs])
        var files: [ExportFilePlan] = []
        for group in groups {
            var current: [ClosedRange<Int64>] = []
            var bytes = 0
            for run in group {
                var runStart = run.lowerBound
                for g in run {
                    let size = gopBytes(g)
                    if bytes > 0 && bytes + size > mediaSize {
                        if runStart < g { current.append(runStart...(g - 1)) }
                        files.append(ExportFilePlan(runs: current, estimatedBytes: bytes))
                        current = []
                        bytes = 0
                        runStart = g
                    }
                    bytes += size
                }
                current.append(runStart...run.upperBound)
            }
            if !current.isEmpty { files.append(ExportFilePlan(runs: current, estimatedBytes: bytes)) }
        }
        return files
    }
}
