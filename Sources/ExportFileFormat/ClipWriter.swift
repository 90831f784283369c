import Crypto
import Foundation

/// An archived segment as a clip source: its file and the UTC of its media time 0.
public struct ClipSegment: Sendable, Hashable {
    public var path: String
    public var startMicros: Int64

    public init(path: String, startMicros: Int64) {
        self.path = path
        self.startMicros = startMicros
    }
}

/// What a written clip holds.
public struct WrittenClip: Sendable {
    /// UTC of the first video frame, and of the end of the last one.
    public var firstMicros: Int64
    public var endMicros: Int64
    public var videoFrames: Int
    public var audioPackets: Int
    /// The segments whose samples it holds, in order.
    public var segments: [ClipSegment]
    public var bytes: Int64
    /// SHA-256 of the whole file, as written.
    public var sha256: String
    /// Where the signature's bytes are (for a recipient checking it with OpenSSL alone).
    public var signatureOffset: Int64
    public var signatureLength: Int
}

/// Writes one Export File Format clip in one pass: the `moov` of the first segment, then for
/// each fragment of the segments a new `moof` (renumbered, its decode times on the clip's
/// timeline, only the samples inside the range) followed by those samples' bytes, then the
/// signed `meta` box. Every byte is hashed as it goes out; nothing is read back. A segment is
/// read once, and held only while its fragments are written, so memory does not grow with
/// the clip's length.
public struct ClipWriter {
    public static let defaultBrand = "isom"

    /// Writes the samples of `segments` (in order, one run without a gap, all with the same
    /// tracks and sample descriptions) from the last keyframe at or before `from` (or the
    /// first after it) up to `to` into `path`, sealed by `seal`.
    public static func write(
        _ segments: [ClipSegment], from: Int64, to: Int64, path: String, seal: ExportSeal
    ) throws(EFFError) -> WrittenClip {
        guard let first = segments.first else { throw EFFError("no segments for \(path)") }
        var buffer: [UInt8] = []
        let head = try FragmentedSegment(path: first.path)
        guard let video = head.tracks.first(where: { $0.handler == "vide" }) else { throw EFFError("\(first.path) has no video track") }
        let output = try HashingFile(path: path)
        var clip = ClipState(video: video, tracks: head.tracks, to: to)
        do throws(EFFError) {
            try output.write(fileType(head))
            try output.write(Array(head.bytes[head.moov.offset..<head.moov.end]))
            for (index, segment) in segments.enumerated() {
                // The buffer's storage is free again once the previous segment is written.
                let source = index == 0 ? head : try FragmentedSegment(path: segment.path, reusing: &buffer)
                guard source.sampleDescriptions == head.sampleDescriptions else {
                    throw EFFError("\(segment.path) describes its samples differently from \(first.path); it needs a clip of its own")
                }
                if try clip.append(source, startMicros: segment.startMicros, from: from, into: output) { clip.segments.append(segment) }
            }
            guard let origin = clip.originMicros, let firstFrame = clip.firstMicros else {
                throw EFFError("no video frame of the segments lies in the range")
            }
            // The clip's media time 0 (the first frame's decode time) in UTC.
            let startTime = Date(timeIntervalSince1970: Double(origin) / 1_000_000)
            let tracks = head.tracks.map(\.id)
            let unsigned = seal.metaBox(
                tracks: tracks, startTime: startTime, signature: [UInt8](repeating: 0, count: seal.signatureLength))
            let metaOffset = output.written
            var toSign = output.currentHasher
            toSign.update(data: unsigned)
            let signature = try sign(toSign.finalize(), with: seal, path: path)
            guard signature.count == seal.signatureLength else {
                throw EFFError("the signature is \(signature.count) bytes, its box holds \(seal.signatureLength)")
            }
            let signed = seal.metaBox(tracks: tracks, startTime: startTime, signature: signature)
            let located = try SealedFile.locate(meta: signed, at: metaOffset)
            try output.write(signed)
            let sha256 = try output.close()
            return WrittenClip(
                firstMicros: firstFrame, endMicros: clip.endMicros, videoFrames: clip.videoFrames, audioPackets: clip.audioPackets,
                segments: clip.segments, bytes: Int64(metaOffset + signed.count), sha256: sha256,
                signatureOffset: Int64(located.signatureRange.lowerBound), signatureLength: signature.count)
        } catch {
            output.abandon()
            throw error
        }
    }

    private static func sign(_ digest: SHA256Digest, with seal: ExportSeal, path: String) throws(EFFError) -> [UInt8] {
        do { return try seal.sign(digest) } catch { throw EFFError("signing \(path) failed: \(error)") }
    }

    /// `ftyp`: ISO base media with the brands of the segment (fragments relative to their
    /// `moof` need `iso5`).
    static func fileType(_ segment: FragmentedSegment) -> [UInt8] {
        let bytes = segment.bytes
        var brands: [String] = []
        var at = segment.ftyp.payloadOffset + 8
        while at + 4 <= segment.ftyp.end {
            brands.append(String(decoding: bytes[at..<(at + 4)], as: UTF8.self))
            at += 4
        }
        var w = BoxWriter()
        w.box("ftyp") { ftyp in
            ftyp.fourCC(defaultBrand)
            ftyp.uint32(0x200)
            for brand in ["isom", "iso5", "iso6"] + brands.filter({ !["isom", "iso5", "iso6"].contains($0) }) { ftyp.fourCC(brand) }
        }
        return w.bytes
    }
}

/// The clip as it is written: its timeline's origin (the first video frame kept), the next
/// fragment number, and counts.
struct ClipState {
    let video: FragmentedSegment.Track
    let tracks: [FragmentedSegment.Track]
    let to: Int64
    /// UTC of the first frame's decode time (the clip's media time 0) and of its presentation.
    var originMicros: Int64?
    var firstMicros: Int64?
    var sequence: UInt32 = 1
    var videoFrames = 0
    var audioPackets = 0
    var endMicros: Int64 = 0
    var segments: [ClipSegment] = []

    init(video: FragmentedSegment.Track, tracks: [FragmentedSegment.Track], to: Int64) {
        self.video = video
        self.tracks = tracks
        self.to = to
    }

    static func micros(_ time: Int64, _ timescale: UInt32) -> Int64 { time * 1_000_000 / Int64(timescale) }

    /// Writes the fragments of one segment that hold samples of the range; returns whether
    /// it held any.
    mutating func append(_ source: FragmentedSegment, startMicros: Int64, from: Int64, into output: HashingFile) throws(EFFError) -> Bool {
        if originMicros == nil, let start = Self.startKeyframe(source, startMicros: startMicros, from: from) {
            (originMicros, firstMicros) = (start.decode, start.presentation)
        }
        var used = false
        for fragment in source.fragments {
            guard let origin = originMicros else { return false }
            var kept: [(track: FragmentedSegment.Track, samples: [FragmentedSegment.Sample], baseTime: Int64)] = []
            for (id, samples) in fragment.tracks {
                guard let track = tracks.first(where: { $0.id == id }) else { continue }
                let inRange = samples.filter {
                    let at = startMicros + Self.micros($0.decodeTime, track.timescale)
                    return at >= origin && at < to
                }
                guard let firstKept = inRange.first else { continue }
                // The clip's decode time of this segment's media time 0, in the track's timescale.
                let shift = (startMicros - origin) * Int64(track.timescale) / 1_000_000
                kept.append((track, inRange, max(0, firstKept.decodeTime + shift)))
                if track.id == video.id {
                    videoFrames += inRange.count
                    for sample in inRange {
                        let end = sample.decodeTime + Int64(sample.compositionOffset) + Int64(sample.duration)
                        endMicros = max(endMicros, startMicros + Self.micros(end, track.timescale))
                    }
                } else {
                    audioPackets += inRange.count
                }
            }
            guard !kept.isEmpty else { continue }
            used = true
            try output.write(Self.moof(sequence: sequence, kept))
            sequence += 1
            let payload = kept.reduce(0) { $0 + $1.samples.reduce(0) { $0 + Int($1.size) } }
            var header = BoxWriter()
            header.uint32(UInt32(8 + payload))
            header.fourCC("mdat")
            try output.write(header.bytes)
            // Samples that lie end to end in the segment go out in one piece.
            for (_, samples, _) in kept {
                var run: Range<Int>?
                for sample in samples {
                    let range = sample.offset..<(sample.offset + Int(sample.size))
                    if let current = run, current.upperBound == range.lowerBound {
                        run = current.lowerBound..<range.upperBound
                    } else {
                        if let current = run { try output.write(source.bytes, range: current) }
                        run = range
                    }
                }
                if let current = run { try output.write(source.bytes, range: current) }
            }
        }
        return used
    }

    /// UTC of the decode and presentation time of the last video keyframe shown at or before
    /// `from`, else of the first after it.
    static func startKeyframe(_ source: FragmentedSegment, startMicros: Int64, from: Int64) -> (decode: Int64, presentation: Int64)? {
        guard let video = source.tracks.first(where: { $0.handler == "vide" }) else { return nil }
        let keyframes = source.fragments.flatMap { $0.tracks.filter { $0.id == video.id }.flatMap(\.samples) }.filter(\.isSync)
            .map {
                (
                    decode: startMicros + micros($0.decodeTime, video.timescale),
                    presentation: startMicros + micros($0.decodeTime + Int64($0.compositionOffset), video.timescale)
                )
            }
        return keyframes.last { $0.presentation <= from } ?? keyframes.first { $0.presentation > from }
    }

    /// A `moof` holding `kept`, every sample's duration, size, flags and composition offset
    /// given explicitly, its data right after it in one `mdat`.
    static func moof(
        sequence: UInt32, _ kept: [(track: FragmentedSegment.Track, samples: [FragmentedSegment.Sample], baseTime: Int64)]
    ) -> [UInt8] {
        func build(offsets: [Int32]) -> [UInt8] {
            var w = BoxWriter()
            w.box("moof") { moof in
                moof.box("mfhd", version: 0) { $0.uint32(sequence) }
                for (index, entry) in kept.enumerated() {
                    moof.box("traf") { traf in
                        // default-base-is-moof: data offsets count from this moof.
                        traf.box("tfhd", version: 0, flags: 0x2_0000) { $0.uint32(entry.track.id) }
                        traf.box("tfdt", version: 1) { $0.uint64(UInt64(entry.baseTime)) }
                        traf.box("trun", version: 1, flags: 0x1 | 0x100 | 0x200 | 0x400 | 0x800) { trun in
                            trun.uint32(UInt32(entry.samples.count))
                            trun.uint32(UInt32(bitPattern: offsets[index]))
                            for sample in entry.samples {
                                trun.uint32(sample.duration)
                                trun.uint32(sample.size)
                                trun.uint32(sample.flags)
                                trun.uint32(UInt32(bitPattern: sample.compositionOffset))
                            }
                        }
                    }
                }
            }
            return w.bytes
        }
        // Sizes do not depend on the offsets: build once to learn where the mdat payload starts.
        let size = build(offsets: kept.map { _ in 0 }).count
        var offsets: [Int32] = []
        var at = size + 8
        for entry in kept {
            offsets.append(Int32(at))
            at += entry.samples.reduce(0) { $0 + Int($1.size) }
        }
        return build(offsets: offsets)
    }
}
