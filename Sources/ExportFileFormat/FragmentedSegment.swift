import Foundation

/// One archived segment read as a fragmented MP4 (what `SegmentMuxer` writes: an empty `moov`
/// with `mvex`, then `moof`+`mdat` per keyframe, data offsets relative to each `moof`): its
/// tracks, and every sample with its decode time, duration, size, flags and bytes' place.
public struct FragmentedSegment: Sendable {
    public struct Track: Sendable, Hashable {
        public var id: UInt32
        public var timescale: UInt32
        /// `vide`, `soun`, …
        public var handler: String
        var defaultDuration: UInt32
        var defaultSize: UInt32
        var defaultFlags: UInt32
    }

    public struct Sample: Sendable, Hashable {
        /// In the track's timescale, from the segment's media time 0.
        public var decodeTime: Int64
        public var duration: UInt32
        public var size: UInt32
        public var flags: UInt32
        public var compositionOffset: Int32
        /// Where its bytes are in the file.
        public var offset: Int
        /// A sync sample (keyframe): `sample_is_non_sync_sample` clear.
        public var isSync: Bool { flags & 0x1_0000 == 0 }
    }

    /// One `moof`: each of its tracks' samples, in the order of its `traf`s.
    public struct Fragment: Sendable {
        public var tracks: [(id: UInt32, samples: [Sample])]
    }

    public var bytes: [UInt8]
    public var ftyp: Box
    public var moov: Box
    public var tracks: [Track]
    public var fragments: [Fragment]
    /// The sample description (`stsd`) of each track, to tell segments that can share one `moov`.
    public var sampleDescriptions: [UInt32: [UInt8]]

    /// Whether the file at `path` is a fragmented MP4: its `moov` (among the first few boxes)
    /// holds an `mvex`. Reads box headers and the `moov` only.
    public static func isFragmentedMP4(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var at: UInt64 = 0
        for _ in 0..<4 {
            guard (try? handle.seek(toOffset: at)) != nil else { return false }
            let header = [UInt8](handle.readData(ofLength: 8))
            guard header.count == 8 else { return false }
            let size = UInt64(header.uint32(0))
            guard size >= 8 else { return false }
            if String(decoding: header[4..<8], as: UTF8.self) == "moov" {
                let moov = header + [UInt8](handle.readData(ofLength: Int(size) - 8))
                return (try? Box.list(in: moov, range: 8..<moov.count))?.contains { $0.type == "mvex" } ?? false
            }
            at += size
        }
        return false
    }

    public init(path: String) throws(EFFError) {
        var bytes: [UInt8] = []
        try self.init(path: path, reusing: &bytes)
    }

    /// Reads the file into `buffer`'s storage (kept from segment to segment, so a clip of many
    /// segments does not fault in fresh pages for each) and parses it.
    public init(path: String, reusing buffer: inout [UInt8]) throws(EFFError) {
        try Self.read(path, into: &buffer)
        try self.init(bytes: buffer, name: path)
    }

    static func read(_ path: String, into buffer: inout [UInt8]) throws(EFFError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw EFFError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw EFFError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        if buffer.count != size {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: repeatElement(0, count: size))
        }
        var done = 0
        while done < size {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + done, size - done) }
            guard n > 0 else { throw EFFError("cannot read \(path): \(n == 0 ? "it ended early" : String(cString: strerror(errno)))") }
            done += n
        }
    }

    public init(bytes: [UInt8], name: String) throws(EFFError) {
        self.bytes = bytes
        let top = try Box.list(in: bytes, range: 0..<bytes.count)
        guard let ftyp = top.first("ftyp"), let moov = top.first("moov") else {
            throw EFFError("\(name) is not an MP4 file (no ftyp or moov)")
        }
        self.ftyp = ftyp
        self.moov = moov
        (tracks, sampleDescriptions) = try Self.tracks(bytes, moov: moov, name: name)
        var fragments: [Fragment] = []
        for moof in top.all("moof") { fragments.append(try Self.fragment(bytes, moof: moof, tracks: tracks, name: name)) }
        self.fragments = fragments
    }

    private static func tracks(_ bytes: [UInt8], moov: Box, name: String) throws(EFFError) -> ([Track], [UInt32: [UInt8]]) {
        let children = try moov.children(in: bytes)
        guard let mvex = children.first("mvex") else {
            throw EFFError("\(name) is not a fragmented MP4 (no mvex): the Export File Format clip is built from fragments")
        }
        var defaults: [UInt32: (UInt32, UInt32, UInt32)] = [:]
        for trex in try mvex.children(in: bytes).all("trex") {
            let p = trex.payloadOffset + 4
            defaults[bytes.uint32(p)] = (bytes.uint32(p + 8), bytes.uint32(p + 12), bytes.uint32(p + 16))
        }
        var tracks: [Track] = []
        var descriptions: [UInt32: [UInt8]] = [:]
        for trak in children.all("trak") {
            let parts = try trak.children(in: bytes)
            guard let tkhd = parts.first("tkhd"), let mdia = parts.first("mdia") else {
                throw EFFError("\(name): a track without tkhd or mdia")
            }
            let id = bytes.uint32(tkhd.payloadOffset + 4 + (bytes[tkhd.payloadOffset] == 1 ? 16 : 8))
            let media = try mdia.children(in: bytes)
            guard let mdhd = media.first("mdhd"), let hdlr = media.first("hdlr") else {
                throw EFFError("\(name): track \(id) has no mdhd or hdlr")
            }
            let timescale = bytes.uint32(mdhd.payloadOffset + 4 + (bytes[mdhd.payloadOffset] == 1 ? 16 : 8))
            let handler = String(decoding: bytes[(hdlr.payloadOffset + 8)..<(hdlr.payloadOffset + 12)], as: UTF8.self)
            let (duration, size, flags) = defaults[id] ?? (0, 0, 0)
            tracks.append(
                Track(id: id, timescale: timescale, handler: handler, defaultDuration: duration, defaultSize: size, defaultFlags: flags))
            if let minf = media.first("minf"), let stbl = try minf.children(in: bytes).first("stbl"),
                let stsd = try stbl.children(in: bytes).first("stsd")
            {
                descriptions[id] = Array(bytes[stsd.offset..<stsd.end])
            }
        }
        return (tracks, descriptions)
    }

    private static func fragment(_ bytes: [UInt8], moof: Box, tracks: [Track], name: String) throws(EFFError) -> Fragment {
        var result: [(id: UInt32, samples: [Sample])] = []
        for traf in try moof.children(in: bytes).all("traf") {
            let boxes = try traf.children(in: bytes)
            guard let tfhd = boxes.first("tfhd") else { throw EFFError("\(name): a traf without tfhd at \(traf.offset)") }
            let tfhdFlags = bytes.uint32(tfhd.payloadOffset) & 0xff_ffff
            var p = tfhd.payloadOffset + 4
            let id = bytes.uint32(p)
            p += 4
            guard let track = tracks.first(where: { $0.id == id }) else { throw EFFError("\(name): a fragment of unknown track \(id)") }
            var base = moof.offset
            if tfhdFlags & 0x1 != 0 {
                base = Int(bytes.uint64(p))
                p += 8
            } else if tfhdFlags & 0x2_0000 == 0 {
                throw EFFError("\(name): fragment data offsets that are neither explicit nor relative to their moof")
            }
            if tfhdFlags & 0x2 != 0 { p += 4 }
            var duration = track.defaultDuration
            var size = track.defaultSize
            var flags = track.defaultFlags
            if tfhdFlags & 0x8 != 0 {
                duration = bytes.uint32(p)
                p += 4
            }
            if tfhdFlags & 0x10 != 0 {
                size = bytes.uint32(p)
                p += 4
            }
            if tfhdFlags & 0x20 != 0 { flags = bytes.uint32(p) }
            var time: Int64 = 0
            if let tfdt = boxes.first("tfdt") {
                time =
                    bytes[tfdt.payloadOffset] == 1
                    ? Int64(bitPattern: bytes.uint64(tfdt.payloadOffset + 4)) : Int64(bytes.uint32(tfdt.payloadOffset + 4))
            }
            var samples: [Sample] = []
            var dataAt = base
            for trun in boxes.all("trun") {
                let version = bytes[trun.payloadOffset]
                let runFlags = bytes.uint32(trun.payloadOffset) & 0xff_ffff
                var q = trun.payloadOffset + 4
                let count = Int(bytes.uint32(q))
                q += 4
                if runFlags & 0x1 != 0 {
                    dataAt = base + Int(Int32(bitPattern: bytes.uint32(q)))
                    q += 4
                }
                var firstFlags: UInt32?
                if runFlags & 0x4 != 0 {
                    firstFlags = bytes.uint32(q)
                    q += 4
                }
                let perSample = [0x100, 0x200, 0x400, 0x800].filter { runFlags & UInt32($0) != 0 }.count * 4
                guard q + count * perSample <= trun.end else {
                    throw EFFError("\(name): a trun at \(trun.offset) lists more samples than it holds")
                }
                for index in 0..<count {
                    var sample = Sample(
                        decodeTime: time, duration: duration, size: size, flags: index == 0 ? (firstFlags ?? flags) : flags,
                        compositionOffset: 0, offset: dataAt)
                    if runFlags & 0x100 != 0 {
                        sample.duration = bytes.uint32(q)
                        q += 4
                    }
                    if runFlags & 0x200 != 0 {
                        sample.size = bytes.uint32(q)
                        q += 4
                    }
                    if runFlags & 0x400 != 0 {
                        sample.flags = bytes.uint32(q)
                        q += 4
                    }
                    if runFlags & 0x800 != 0 {
                        let raw = bytes.uint32(q)
                        sample.compositionOffset = version == 0 ? Int32(truncatingIfNeeded: Int64(raw)) : Int32(bitPattern: raw)
                        q += 4
                    }
                    guard sample.offset + Int(sample.size) <= bytes.count else {
                        throw EFFError("\(name): a sample of track \(id) lies past the end of the file")
                    }
                    samples.append(sample)
                    time += Int64(sample.duration)
                    dataAt += Int(sample.size)
                }
            }
            result.append((id, samples))
        }
        return Fragment(tracks: result)
    }
}
