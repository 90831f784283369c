import Archive
import Foundation
import TSAPI
import TSAPISimulator

/// An archive filled from the simulator's own recordings without HTTP: real H.264 files
/// written by `Simulator.writeRecordings` and ingested in process. For tests of the archive and
/// the command line that need footage, not a recorder.
public enum SyntheticArchive {
    public static let zone = TimeZone(identifier: "America/New_York")!
    /// The recorder's fixed clock: 01:00 the day after DST ends, as the nightly tests use.
    public static let now = RecorderTimeZone(zone).parse("2026-11-02T01:00:00-05:00")!
    /// Where the footage starts: 10:00 on Nov 1, when channel 1 records continuously.
    public static let from = RecorderTimeZone(zone).parse("2026-11-01T10:00:00-05:00")!

    /// The recorder the nightly and command-line tests use: New York, two days held, a small
    /// picture so encoding the GOP library the first time takes a second; then `adjust`.
    public static func recorder(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) -> SimulatorConfiguration {
        RecorderFixture.configuration {
            $0.timeZone = zone
            $0.now = Int64(now.timeIntervalSince1970)
            $0.retentionDays = 2
            $0.width = 64
            $0.height = 48
            $0.fps = 2
            $0.bitrate = 20_000
            adjust(&$0)
        }
    }

    /// The recording files of `minutes` of `channel` from `from`, written into `directory`.
    public static func recordings(channel: Int = 1, minutes: Int = 10, into directory: String) async throws -> [String] {
        let config = recorder()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let simulator = try await Simulator.prepare(config)
        return try simulator.writeRecordings(
            channel: channel, from: from, to: from.addingTimeInterval(Double(minutes * 60)), into: directory)
    }

    /// A new archive at `root` holding `minutes` of each channel from `from`, as server `server`.
    public static func make(root: String, server: String = "nvr", channels: [Int] = [1], minutes: Int = 10) async throws -> Archive {
        let config = recorder()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let simulator = try await Simulator.prepare(config)
        let archive = try Archive(root: root)
        let files = root + "/../synthetic-files-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: files) }
        for channel in channels {
            let to = from.addingTimeInterval(Double(minutes * 60))
            for path in try simulator.writeRecordings(channel: channel, from: from, to: to, into: files + "/\(channel)") {
                _ = try await archive.ingest(file: path, server: server, channel: channel, recorderZone: zone)
            }
        }
        return archive
    }
}
