import CFFmpeg
import Foundation

/// One canonical segment written to disk, with what the index needs to know about it.
public struct SegmentInfo: Sendable, Hashable {
    public var path: String
    public var container: ContainerFormat
    /// UTC microseconds of the first keyframe and of the end of the last video frame.
    public var startMicros: Int64
    public var endMicros: Int64
    public var videoCodec: String
    public var width: Int32
    public var height: Int32
    public var frameCount: Int
    public var keyframeCount: Int
    public var audioPacketCount: Int
    /// SHA-256 (hex) and size of the segment file, computed while it was written.
    public var sha256 = ""
    public var size: Int64 = 0
}

/// What cutting one file did besides producing segments.
public struct SegmentationReport: Sendable, Hashable {
    public var segments = 0
    /// Video frames dropped because no keyframe preceded them (file start, after a hole).
    public var droppedVideoFrames = 0
    /// Audio packets before the first keyframe, which no segment can hold.
    public var droppedAudioPackets = 0
    /// Timestamp jumps inside the file that ended a segment.
    public var holes = 0
    public var videoPackets = 0
    public var audioPackets = 0
    /// SHA-256 and size of the input, when asked for (`hashSource`).
    public var sourceSHA256: String?
    public var sourceSize: Int64?
}

/// Cuts a recording into canonical segments aligned to wall-clock boundaries: a segment starts
/// at the first keyframe at or after each `segmentSeconds` boundary (UTC), so the same
/// recorded minutes always give the same boundaries, whichever export they came from. A hole
/// (a jump in video time) also ends a segment. Packets are copied, never re-encoded; their
/// timestamps become relative to the segment's first keyframe.
public enum Segmenter {
    /// A jump in video time beyond this (after the frame's own duration) is a hole.
    public static let holeThresholdMicros: Int64 = 1_000_000

    /// `fileStartMicros` is the UTC time of media time 0. Each finished segment is handed to
    /// `onSegment` (which may move or delete its file) before the next one is started.
    public static func segment(
        file: String, fileStartMicros: Int64, segmentSeconds: Int64 = 60, workDirectory: String,
        hashSource: Bool = false, onSegment: (SegmentInfo) throws -> Void
    ) throws -> SegmentationReport {
        let reader = try PacketReader(path: file, hashing: hashSource)
        var report = try segment(
            reader: reader, name: file, fileStartMicros: fileStartMicros, segmentSeconds: segmentSeconds,
            workDirectory: workDirectory, onSegment: onSegment)
        if hashSource {
            let (sha, size) = try reader.finishSourceHash()
            report.sourceSHA256 = sha
            report.sourceSize = size
        }
        return report
    }

    /// Cuts what `reader` reads (a file, or a download as it arrives); `name` is for messages.
    public static func segment(
        reader: PacketReader, name: String, fileStartMicros: Int64, segmentSeconds: Int64 = 60, workDirectory: String,
        onSegment: (SegmentInfo) throws -> Void
    ) throws -> SegmentationReport {
        try withoutActuallyEscaping(onSegment) { handler in
            let run = try SegmentationRun(
                reader: reader, file: name, fileStartMicros: fileStartMicros, segmentMicros: segmentSeconds * 1_000_000,
                workDirectory: workDirectory, onSegment: handler)
            return try run.execute()
        }
    }
}

/// The state of one segmentation pass.
private final class SegmentationRun {
    /// A segment being written.
    final class OpenSegment {
        let muxer: SegmentMuxer
        var info: SegmentInfo
        /// Per output stream: the input timestamp that becomes 0.
        let origins: [Int64]
        init(muxer: SegmentMuxer, info: SegmentInfo, origins: [Int64]) {
            self.muxer = muxer
            self.info = info
            self.origins = origins
        }
    }

    let reader: PacketReader
    let file: String
    let fileStart: Int64
    let segmentMicros: Int64
    let workDirectory: String
    let onSegment: (SegmentInfo) throws -> Void
    let videoIndex: Int
    /// Output order: video first, then audio streams; maps input index → output index.
    let outputOf: [Int: Int]
    let container: ContainerFormat
    var report = SegmentationReport()

    var current: OpenSegment?
    /// The segment before `current`, kept open briefly for audio that arrives late in file order.
    var previous: OpenSegment?
    var pendingAudio: [(packet: OwnedPacket, utc: Int64)] = []
    var lastVideoDTSUTC: Int64?
    var lastVideoUTC: Int64 = .min
    var awaitingKeyframe = true
    var counter = 0

    init(
        reader: PacketReader, file: String, fileStartMicros: Int64, segmentMicros: Int64, workDirectory: String,
        onSegment: @escaping (SegmentInfo) throws -> Void
    ) throws {
        self.reader = reader
        self.file = file
        fileStart = fileStartMicros
        self.segmentMicros = segmentMicros
        self.workDirectory = workDirectory
        self.onSegment = onSegment
        guard let video = reader.streams.first(where: { $0.mediaType == "video" }) else {
            throw RemuxError.invalidInput("\(file) has no video stream")
        }
        videoIndex = video.index
        let audio = reader.streams.filter { $0.mediaType == "audio" }.map(\.index)
        var map: [Int: Int] = [video.index: 0]
        for (offset, index) in audio.enumerated() { map[index] = offset + 1 }
        outputOf = map
        let inputs = [video.index] + audio
        container = SegmentMuxer.mp4Accepts(reader, streams: inputs) ? .mp4 : .matroska
    }

    func execute() throws -> SegmentationReport {
        do {
            while let packet = try reader.nextOwned() {
                guard outputOf[packet.streamIndex] != nil else { continue }
                if packet.streamIndex == videoIndex { try video(packet) } else { audio(packet) }
                try assignAudio(final: false)
                try retirePrevious(final: false)
            }
            try assignAudio(final: true)
            try close(&previous)
            try close(&current)
        } catch {
            abandon(previous)
            abandon(current)
            throw error
        }
        return report
    }

    func utc(_ timestamp: Int64, stream: Int) -> Int64 {
        let tb = reader.streams[stream].timeBase
        return fileStart + timestamp * 1_000_000 * Int64(tb.numerator) / Int64(tb.denominator)
    }

    // MARK: video decides the cuts

    private func video(_ packet: OwnedPacket) throws {
        report.videoPackets += 1
        guard let pts = packet.pts ?? packet.dts else {
            report.droppedVideoFrames += 1
            return
        }
        let presented = utc(pts, stream: videoIndex)
        let decoded = utc(packet.dts ?? pts, stream: videoIndex)
        if let last = lastVideoDTSUTC, decoded - last > Segmenter.holeThresholdMicros + frameMicros(packet) || decoded < last {
            // A hole (or a jump back): what follows starts over at a keyframe.
            report.holes += 1
            try rotate(to: nil)
            awaitingKeyframe = true
        }
        lastVideoDTSUTC = decoded
        lastVideoUTC = max(lastVideoUTC, presented)
        if awaitingKeyframe {
            guard packet.isKeyframe else {
                report.droppedVideoFrames += 1
                return
            }
            try rotate(to: try open(startUTC: presented, keyPTS: pts))
            awaitingKeyframe = false
        } else if packet.isKeyframe, let segment = current, boundary(presented) > boundary(segment.info.startMicros) {
            try rotate(to: try open(startUTC: presented, keyPTS: pts))
        }
        guard let segment = current else { return }
        try write(packet, to: segment)
        segment.info.frameCount += 1
        if packet.isKeyframe { segment.info.keyframeCount += 1 }
        segment.info.endMicros = max(segment.info.endMicros, presented + frameMicros(packet))
    }

    private func frameMicros(_ packet: OwnedPacket) -> Int64 {
        let tb = reader.streams[videoIndex].timeBase
        return max(0, packet.duration) * 1_000_000 * Int64(tb.numerator) / Int64(tb.denominator)
    }

    private func boundary(_ micros: Int64) -> Int64 {
        micros >= 0 ? micros / segmentMicros : (micros - segmentMicros + 1) / segmentMicros
    }

    // MARK: audio follows by time

    private func audio(_ packet: OwnedPacket) {
        report.audioPackets += 1
        guard let pts = packet.pts ?? packet.dts else {
            report.droppedAudioPackets += 1
            return
        }
        pendingAudio.append((packet, utc(pts, stream: packet.streamIndex)))
    }

    /// Audio is placed once the video has passed its time (so every cut before it is known),
    /// into the open segment whose start precedes it.
    private func assignAudio(final: Bool) throws {
        var kept: [(packet: OwnedPacket, utc: Int64)] = []
        for entry in pendingAudio {
            guard final || entry.utc <= lastVideoUTC else {
                kept.append(entry)
                continue
            }
            if let segment = current, entry.utc >= segment.info.startMicros {
                try writeAudio(entry.packet, to: segment)
            } else if let segment = previous, entry.utc >= segment.info.startMicros {
                try writeAudio(entry.packet, to: segment)
            } else if current == nil, previous == nil, !final {
                kept.append(entry)  // before the first keyframe: wait for it
            } else {
                report.droppedAudioPackets += 1
            }
        }
        pendingAudio = kept
    }

    private func writeAudio(_ packet: OwnedPacket, to segment: OpenSegment) throws {
        try write(packet, to: segment)
        segment.info.audioPacketCount += 1
    }

    // MARK: segments

    private func open(startUTC: Int64, keyPTS: Int64) throws -> OpenSegment {
        counter += 1
        let path = workDirectory + "/segment-\(counter).\(container.fileExtension)"
        let inputs = outputOf.sorted { $0.value < $1.value }.map(\.key)
        let muxer = try SegmentMuxer(path: path, reader: reader, streams: inputs, container: container)
        let videoTB = reader.streams[videoIndex].timeBase
        // Every stream's zero is the keyframe's instant, expressed in that stream's time base.
        let origins = inputs.map { index -> Int64 in
            let tb = reader.streams[index].timeBase
            return av_rescale_q(
                keyPTS, AVRational(num: videoTB.numerator, den: videoTB.denominator),
                AVRational(num: tb.numerator, den: tb.denominator))
        }
        let stream = reader.streams[videoIndex]
        let info = SegmentInfo(
            path: path, container: container, startMicros: startUTC, endMicros: startUTC,
            videoCodec: stream.codecName, width: stream.width, height: stream.height,
            frameCount: 0, keyframeCount: 0, audioPacketCount: 0)
        return OpenSegment(muxer: muxer, info: info, origins: origins)
    }

    private func write(_ packet: OwnedPacket, to segment: OpenSegment) throws {
        let output = outputOf[packet.streamIndex]!
        let origin = segment.origins[output]
        try segment.muxer.write(packet, outputStream: output, pts: packet.pts.map { $0 - origin }, dts: packet.dts.map { $0 - origin })
    }

    /// `next` becomes current; the old current waits as `previous` for late audio.
    private func rotate(to next: OpenSegment?) throws {
        try assignAudio(final: false)
        try close(&previous)
        previous = current
        current = next
    }

    /// Closes `previous` once the video is two seconds past the current segment's start.
    private func retirePrevious(final: Bool) throws {
        guard previous != nil else { return }
        if final || current == nil || lastVideoUTC >= current!.info.startMicros + 2_000_000 {
            try close(&previous)
        }
    }

    private func close(_ segment: inout OpenSegment?) throws {
        guard let open = segment else { return }
        segment = nil
        let (sha256, size) = try open.muxer.finish()
        open.info.sha256 = sha256
        open.info.size = size
        report.segments += 1
        try onSegment(open.info)
    }

    private func abandon(_ segment: OpenSegment?) {
        guard let segment else { return }
        // The file is deleted next; finishing only releases the muxer.
        _ = try? segment.muxer.finish()
        unlink(segment.info.path)
    }
}
