import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Import an exported recording into the archive (also for old manual exports).",
        discussion: """
            Cuts the file into canonical one-minute segments (packets copied, never re-encoded), \
            stores each under its SHA-256 and records them in the index in one transaction. The \
            wall-clock start comes from --start, else the subtitle file, else the file's \
            creation_time, else a recorder file name read in --timezone. Ingesting the same minutes \
            again stores nothing new. Exit codes: 0 ok, 65 unreadable recording or unknown start, \
            74 disk or index failure, 8 the object store (unreachable or refusing), 64 usage or \
            configuration.
            """)

    @Argument(help: "The exported MP4 or Matroska file.") var file: String
    @Option(help: "Recorder name the file came from.") var server: String
    @Option(help: "Channel number (1-based).") var channel: Int
    @Option(help: "UTC instant of the file's start, ISO 8601 with offset.") var start: String?
    @Option(help: "The export's subtitle file (SRT/VTT), whose cues carry the recorder's clock.") var subtitle: String?
    @Option(help: "Recorder time zone (IANA), to read times from file names.") var timezone: String?
    @Option(help: "The recorder's md5 of the file, kept with the export record.") var md5: String?
    @Option(help: "SHA-256 of the file when already known (e.g. hashed while downloading); skips hashing it again.") var sourceSha256:
        String?
    @OptionGroup var archive: ArchiveOptions
    @Option(
        help: """
            Configuration file whose archive to ingest into, with its blob store (a bucket's \
            archive is created this way); instead of --archive.
            """) var config: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        guard channel >= 1 else { throw ValidationError("--channel must be 1 or more") }
        if let sha = sourceSha256, sha.count != 64 || !sha.allSatisfy(\.isHexDigit) {
            throw ValidationError("--source-sha256 must be 64 hex digits")
        }
        let zone = try timezone.map { name -> TimeZone in
            guard let zone = TimeZone(identifier: name) else { throw ValidationError("unknown --timezone \(name)") }
            return zone
        }
        let startDate = try start.map { try parseInstant($0, option: "--start") }
        let result = try await target().ingest(
            file: file, server: server, channel: channel, start: startDate, subtitle: subtitle,
            recorderZone: zone, recorderMD5: md5, source: sourceSha256.map(SourceIdentity.sha256) ?? .hashWhileReading)
        if json {
            try printJSON(result)
            return
        }
        let span = result.startMicros.map { "\(formatUTC($0)) – \(formatUTC(result.endMicros ?? $0))" } ?? "no footage"
        print(
            "ingested \((file as NSString).lastPathComponent): \(result.segments) segments (\(result.newSegments) new), "
                + "\(result.bytesStored) bytes stored, \(span), start from \(result.timeSource.rawValue)")
        if result.droppedVideoFrames > 0 || result.droppedAudioPackets > 0 {
            print("  dropped \(result.droppedVideoFrames) video frames and \(result.droppedAudioPackets) audio packets before a keyframe")
        }
        if result.holes > 0 { print("  \(result.holes) timestamp holes inside the file") }
    }

    /// The archive named by --archive, or the configuration's (created when new either way).
    private func target() async throws -> Archive {
        guard let config else { return try archive.openOrCreate() }
        guard archive.archive == nil else { throw ValidationError("give --archive or --config, not both") }
        return try await ArchiveStore.openForWriting(ConfigOptions(config: config).load(), logger: Logger(label: "tsvault"))
    }
}
