import Foundation

extension Simulator {
    /// The video files an export of `channel` over [`from`, `to`) would hand out, written to
    /// `directory` with the names an export advertises — the same bytes, without HTTP or a
    /// socket. For tests that need real recordings in an archive in milliseconds.
    public func writeRecordings(channel: Int, from: Date, to: Date, into directory: String) throws -> [String] {
        let span = TimeSpan(UnixSeconds(from.timeIntervalSince1970), UnixSeconds(to.timeIntervalSince1970))
        let builder = state.builder
        let plans = ExportFilePlan.plan(
            recordings: state.schedule.recordings(channel: channel, in: span, now: state.clock.now),
            gopSeconds: Int64(state.config.gopSeconds), gapMode: state.config.gapMode, mediaSize: 1 << 30,
            gopBytes: { builder.gopBytes(channel: channel, gopIndex: $0) })
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try plans.map { plan in
            let name = builder.baseName(channel: channel, start: plan.firstGOP * Int64(state.config.gopSeconds))
            let path = (directory as NSString).appendingPathComponent(name + "." + builder.container.fileExtension)
            try builder.writeVideo(channel: channel, plan: plan, to: path)
            return path
        }
    }
}
