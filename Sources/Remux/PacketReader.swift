import CFFmpeg

/// Facts about one stream of an input file.
public struct StreamInfo: Sendable {
    public var index: Int
    public var mediaType: String
    public var codecName: String
    public var timeBase: TimeBase
    public var width: Int32
    public var height: Int32
    /// The codec's global header as the container stores it (avcC/hvcC in MP4 and Matroska).
    public var extradata: [UInt8] = []
}

/// One packet read from a file, with timestamps in its stream's time base.
public struct ReadPacket: Sendable {
    public var streamIndex: Int
    public var pts: Int64?
    public var dts: Int64?
    public var duration: Int64
    public var isKeyframe: Bool
    public var data: [UInt8]
}

/// Demuxes a media file packet by packet through libavformat, without decoding.
public final class PacketReader {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    public let streams: [StreamInfo]
    public let formatName: String
    public let metadata: [String: String]

    /// Set when the reader hashes the file while reading it.
    private let hashingFile: HashingFileSource?
    /// Set when the bytes come through a `MediaByteSource` (a download, or a hashed file).
    private let sourceInput: SourceInput?

    /// Opens `path`; with `hashing`, the file is SHA-256 hashed from the same reads
    /// (`finishSourceHash()`).
    public convenience init(path: String, hashing: Bool = false) throws {
        if hashing {
            let file = try HashingFileSource(path: path)
            try self.init(url: path, name: path, input: try SourceInput(source: file), hashing: file)
        } else {
            try self.init(url: path, name: path, input: nil, hashing: nil)
        }
    }

    /// Reads a file from `source` as its bytes arrive (`name` for messages). When the source
    /// fails, that failure is what the reader throws, not libavformat's I/O error.
    public convenience init(source: any MediaByteSource, name: String) throws {
        try self.init(url: "", name: name, input: try SourceInput(source: source), hashing: nil)
    }

    /// Opens `url` itself, or reads through `input` when given.
    private init(url: String, name: String, input: SourceInput?, hashing: HashingFileSource?) throws {
        var context: UnsafeMutablePointer<AVFormatContext>?
        if let customIO = input?.context {
            context = avformat_alloc_context()
            context?.pointee.pb = customIO
            context?.pointee.flags |= tsv_fmt_flag_custom_io()
        }
        hashingFile = hashing
        sourceInput = input
        let opened = avformat_open_input(&context, url, nil, nil)
        if opened < 0, let failure = input?.failure { throw failure }
        try checkAV(opened, "opening \(name)")
        let status = avformat_find_stream_info(context, nil)
        if status < 0 {
            avformat_close_input(&context)
            if let failure = input?.failure { throw failure }
        }
        try checkAV(status, "reading stream info of \(name)")
        guard let context else { throw RemuxError.invalidInput("cannot open \(name)") }
        format = context
        packet = av_packet_alloc()
        formatName = String(cString: context.pointee.iformat.pointee.name)
        streams = (0..<Int(context.pointee.nb_streams)).map { index in
            let stream = context.pointee.streams[index]!.pointee
            let par = stream.codecpar.pointee
            return StreamInfo(
                index: index,
                mediaType: av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown",
                codecName: String(cString: avcodec_get_name(par.codec_id)),
                timeBase: TimeBase(stream.time_base.num, stream.time_base.den),
                width: par.width, height: par.height,
                extradata: par.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(par.extradata_size))) } ?? [])
        }
        metadata = Self.dictionary(context.pointee.metadata)
    }

    /// The container's metadata (`creation_time`, …) from its header alone. Opening a reader
    /// also probes every stream, which decodes its first frames: a tenth of the fixed cost of
    /// ingesting a file, and nothing the metadata needs.
    public static func containerMetadata(path: String) throws -> [String: String] {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try checkAV(avformat_open_input(&context, path, nil, nil), "opening \(path)")
        defer { avformat_close_input(&context) }
        return dictionary(context?.pointee.metadata)
    }

    /// SHA-256 and size of the whole file (reads what demuxing skipped); `hashing` readers only.
    public func finishSourceHash() throws -> (sha256: String, size: Int64) {
        guard let hashingFile else { throw RemuxError.invalidInput("this reader does not hash its input") }
        return try hashingFile.finishHash()
    }

    /// The next packet without copying its payload: the demuxer's buffer moves into an
    /// `OwnedPacket` (reference-counted), for stream copy.
    func nextOwned() throws -> OwnedPacket? {
        guard let packet = try readFrame() else { return nil }
        return OwnedPacket(takingFrom: packet)
    }

    /// The demuxer's parameters of stream `index`, for stream copy into a muxer.
    func codecParameters(_ index: Int) -> UnsafeMutablePointer<AVCodecParameters>? {
        format?.pointee.streams[index]?.pointee.codecpar
    }

    deinit {
        av_packet_free(&packet)
        avformat_close_input(&format)
    }

    /// The next packet in file order, or nil at the end of the file.
    public func next() throws -> ReadPacket? {
        guard let packet = try readFrame() else { return nil }
        defer { av_packet_unref(packet) }
        let p = packet.pointee
        let noValue = tsv_nopts_value()
        return ReadPacket(
            streamIndex: Int(p.stream_index),
            pts: p.pts == noValue ? nil : p.pts,
            dts: p.dts == noValue ? nil : p.dts,
            duration: p.duration,
            isKeyframe: p.flags & tsv_pkt_flag_key() != 0,
            data: p.size > 0 ? Array(UnsafeBufferPointer(start: p.data, count: Int(p.size))) : [])
    }

    /// Reads the next packet into `packet`; nil at the end of the file.
    private func readFrame() throws -> UnsafeMutablePointer<AVPacket>? {
        guard let format, let packet else { return nil }
        let status = av_read_frame(format, packet)
        // A source that failed may look like the end of the file to the demuxer: it is not.
        if status < 0, let failure = sourceInput?.failure { throw failure }
        if status == tsv_averror_eof() { return nil }
        try checkAV(status, "reading a packet")
        return packet
    }

    private static func dictionary(_ dict: OpaquePointer?) -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(dict, "", entry, AV_DICT_IGNORE_SUFFIX) {
            result[String(cString: next.pointee.key)] = String(cString: next.pointee.value)
            entry = next
        }
        return result
    }
}

/// An AVPacket owned by Swift; its payload is a reference-counted FFmpeg buffer, so passing
/// it from demuxer to muxer copies no bytes.
final class OwnedPacket {
    let pointer: UnsafeMutablePointer<AVPacket>

    init(takingFrom source: UnsafeMutablePointer<AVPacket>) {
        pointer = av_packet_alloc()
        av_packet_move_ref(pointer, source)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }

    var streamIndex: Int { Int(pointer.pointee.stream_index) }
    var pts: Int64? { pointer.pointee.pts == tsv_nopts_value() ? nil : pointer.pointee.pts }
    var dts: Int64? { pointer.pointee.dts == tsv_nopts_value() ? nil : pointer.pointee.dts }
    var duration: Int64 { pointer.pointee.duration }
    var isKeyframe: Bool { pointer.pointee.flags & tsv_pkt_flag_key() != 0 }
}
