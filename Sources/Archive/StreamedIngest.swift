import Foundation
import Remux

/// Bytes of a recording read as they arrive (what `StreamedMedia.read` hands its body): the
/// archive's name for the demuxer's input, so its callers need not import Remux.
public typealias MediaByteSource = Remux.MediaByteSource

/// A recording the archive reads while it downloads (the nightly run adapts the recorder
/// client's streamed download to this).
public protocol StreamedMedia: Sendable {
    /// The file's name (`exports.source_name`, and a start time read from it as a last resort).
    var name: String { get }
    /// The recorder's md5 of the file, which `read` checks over every byte.
    var md5: String { get }
    /// Runs `body` on a thread of its own over the file's bytes as they arrive. Returns its
    /// value only after every byte has arrived and matched the md5; a failed transfer is thrown
    /// in preference to what `body` threw of it. Nil: this file cannot be read while it
    /// downloads (its layout, or the recorder's answers, do not allow it): the caller
    /// downloads it whole instead.
    func read<T: Sendable>(_ body: @escaping @Sendable (any MediaByteSource) throws -> T) async throws -> T?
}

extension Archive {
    /// Ingests a recording while it downloads, without a copy of it on disk: cut into
    /// segments in the work directory as its bytes arrive; stored and recorded (as `ingest`
    /// does) only once the whole file has matched the recorder's md5, which then identifies
    /// it. Nil when the file cannot be read as a stream; nothing was stored then.
    public func ingest(
        streamed media: some StreamedMedia, server: String, channel: Int, subtitle: String? = nil, recorderZone: TimeZone? = nil
    ) async throws -> IngestResult? {
        try await StoreLock.holding(root, .shared) {
            let work = root + "/tmp/ingest-\(getpid())-\(UUID().uuidString)"
            try FileSystem.makeDirectory(work)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (name, segmentSeconds) = (media.name, self.segmentSeconds)
            let cut = try await media.read { source in
                try Self.segment(
                    source: source, name: name, subtitle: subtitle, recorderZone: recorderZone, segmentSeconds: segmentSeconds,
                    work: work)
            }
            guard let cut else { return nil }
            return try await store(cut, server: server, channel: channel, sourceSHA: nil, recorderMD5: media.md5, subtitle: subtitle)
        }
    }

    /// Reads the start time from the subtitle or the container (a given start is never
    /// streamed), then cuts. Any failure of the file is `unreadableMedia`; a failure of the
    /// transfer underneath is what `StreamedMedia.read` reports instead.
    private static func segment(
        source: any MediaByteSource, name: String, subtitle: String?, recorderZone: TimeZone?, segmentSeconds: Int64,
        work: String
    ) throws -> SegmentedFile {
        do {
            let reader = try PacketReader(source: source, name: name)
            let (start, timeSource) = try StartTime.resolve(name: name, given: nil, subtitle: subtitle, recorderZone: recorderZone) {
                reader.metadata
            }
            var segments: [SegmentInfo] = []
            let report = try Segmenter.segment(
                reader: reader, name: name, fileStartMicros: start, segmentSeconds: segmentSeconds, workDirectory: work
            ) { segments.append($0) }
            return SegmentedFile(
                name: name, size: source.size, start: start, timeSource: timeSource, segments: segments, report: report)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.unreadableMedia(path: name, detail: "\(error)")
        }
    }
}
