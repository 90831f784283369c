import CFFmpeg
import Foundation

/// An archived segment as the clip extractor needs it.
public struct ClipSource: Sendable, Hashable {
    public var path: String
    /// UTC microseconds of the segment's first keyframe (its media time 0) and of its end.
    public var startMicros: Int64
    public var endMicros: Int64
    public init(path: String, startMicros: Int64, endMicros: Int64) {
        self.path = path
        self.startMicros = startMicros
        self.endMicros = endMicros
    }
}

/// One playable output file: a run of segments without a gap.
public struct ClipPart: Sendable, Hashable {
    public var path: String
    public var container: ContainerFormat
    /// UTC microseconds of the first video frame and of the end of the last one.
    public var firstMicros: Int64
    public var endMicros: Int64
    public var videoFrames: Int
    public var audioPackets: Int
    /// The segments the part's packets came from, in order.
    public var sources: [ClipSource]

    public init(
        path: String, container: ContainerFormat, firstMicros: Int64, endMicros: Int64, videoFrames: Int, audioPackets: Int,
        sources: [ClipSource]
    ) {
        self.path = path
        self.container = container
        self.firstMicros = firstMicros
        self.endMicros = endMicros
        self.videoFrames = videoFrames
        self.audioPackets = audioPackets
        self.sources = sources
    }
}

/// Copies the packets of archived segments into playable files (MP4 with the index at the
/// front, Matroska when a stream needs it), starting at the keyframe at or before `from` and
/// ending at `to`; timestamps run on continuously across segments. A gap between segments
/// (more than `gapToleranceMicros`) starts a new part instead of being bridged.
public enum ClipExtractor {
    public static let gapToleranceMicros: Int64 = 1_000_000

    /// `name(k)` gives the output path of part k (0-based).
    public static func extract(_ sources: [ClipSource], from: Int64, to: Int64, name: (Int) -> String) throws -> [ClipPart] {
        let ordered = sources.sorted { $0.startMicros < $1.startMicros }
        guard !ordered.isEmpty else { return [] }
        let start = try startKeyframe(ordered, from: from)
        return try runs(ordered, from: start, to: to).enumerated().map { index, run in
            try writePart(run, from: start, to: to, path: name(index))
        }
    }

    /// The segments overlapping [from, to) in runs without a gap (more than
    /// `gapToleranceMicros` between one's end and the next one's start), oldest first.
    public static func runs(_ sources: [ClipSource], from: Int64, to: Int64) -> [[ClipSource]] {
        var runs: [[ClipSource]] = []
        for source in sources.sorted(by: { $0.startMicros < $1.startMicros }) where source.endMicros > from && source.startMicros < to {
            if let last = runs.last?.last, source.startMicros - last.endMicros <= gapToleranceMicros {
                runs[runs.count - 1].append(source)
            } else {
                runs.append([source])
            }
        }
        return runs
    }

    /// UTC of the last keyframe at or before `from` (or the first keyframe after it, when
    /// `from` falls before any footage or in a gap).
    static func startKeyframe(_ sources: [ClipSource], from: Int64) throws -> Int64 {
        guard let holding = sources.last(where: { $0.startMicros <= from }), holding.endMicros > from else {
            return sources.first(where: { $0.startMicros >= from })?.startMicros ?? from
        }
        let reader = try PacketReader(path: holding.path)
        guard let video = reader.streams.first(where: { $0.mediaType == "video" }) else {
            throw RemuxError.invalidInput("\(holding.path) has no video")
        }
        var best = holding.startMicros
        while let packet = try reader.nextOwned() {
            guard packet.streamIndex == video.index, packet.isKeyframe, let pts = packet.pts else { continue }
            let utc = holding.startMicros + micros(pts, video.timeBase)
            if utc > from { break }
            best = utc
        }
        return best
    }

    private static func writePart(_ run: [ClipSource], from start: Int64, to: Int64, path: String) throws -> ClipPart {
        let first = try PacketReader(path: run[0].path)
        guard let video = first.streams.first(where: { $0.mediaType == "video" }) else {
            throw RemuxError.invalidInput("\(run[0].path) has no video")
        }
        let streams = [video.index] + first.streams.filter { $0.mediaType == "audio" }.map(\.index)
        let container: ContainerFormat = SegmentMuxer.mp4Accepts(first, streams: streams) ? .mp4 : .matroska
        let muxer = try SegmentMuxer(path: path, reader: first, streams: streams, container: container, faststartFile: true)
        var part = ClipPart(
            path: path, container: container, firstMicros: .max, endMicros: .min, videoFrames: 0, audioPackets: 0, sources: [])
        do {
            let partZero = max(start, run[0].startMicros)
            for source in run {
                let reader = source.path == run[0].path ? first : try PacketReader(path: source.path)
                var used = false
                while let packet = try reader.nextOwned() {
                    guard let output = streams.firstIndex(of: packet.streamIndex), let pts = packet.pts else { continue }
                    let tb = reader.streams[packet.streamIndex].timeBase
                    let isVideo = output == 0
                    let utc = source.startMicros + micros(pts, tb)
                    let decodeUTC = source.startMicros + micros(packet.dts ?? pts, tb)
                    if isVideo {
                        // Decode order from the start keyframe; stop once decoding passes `to`.
                        guard utc >= start || (packet.dts.map { source.startMicros + micros($0, tb) >= start } ?? false) else { continue }
                        guard decodeUTC < to else { continue }
                        if part.videoFrames == 0 && !packet.isKeyframe { continue }
                    } else {
                        guard part.videoFrames > 0, utc >= start, utc < to else { continue }
                    }
                    // Continuous timestamps: each segment's zero sits at its offset from the part's zero.
                    let offset = ticks(source.startMicros - partZero, tb)
                    try muxer.write(packet, outputStream: output, pts: pts + offset, dts: packet.dts.map { $0 + offset })
                    used = true
                    if isVideo {
                        part.videoFrames += 1
                        part.firstMicros = min(part.firstMicros, utc)
                        part.endMicros = max(part.endMicros, utc + micros(packet.duration, tb))
                    } else {
                        part.audioPackets += 1
                    }
                }
                if used { part.sources.append(source) }
            }
            try muxer.finishFile()
        } catch {
            unlink(path)
            throw error
        }
        return part
    }

    static func micros(_ ticks: Int64, _ tb: TimeBase) -> Int64 { ticks * 1_000_000 * Int64(tb.numerator) / Int64(tb.denominator) }
    static func ticks(_ micros: Int64, _ tb: TimeBase) -> Int64 {
        av_rescale_q(micros, AVRational(num: 1, den: 1_000_000), AVRational(num: tb.numerator, den: tb.denominator))
    }
}
