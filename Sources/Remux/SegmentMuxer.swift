import CFFmpeg

/// Writes one canonical segment: a self-contained fragmented MP4 (Matroska when a stream
/// cannot go in MP4), packets copied from a `PacketReader`'s streams, bitexact and without
/// creation times, so identical packets with identical relative timestamps give identical
/// bytes.
final class SegmentMuxer {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var inputTimeBases: [AVRational] = []
    private var output: HashingOutput?
    let path: String
    let container: ContainerFormat
    /// A playable file for people (index at the front) instead of a hashed fragmented segment.
    let faststartFile: Bool

    /// `streams` are the reader's stream indices, in output order.
    init(path: String, reader: PacketReader, streams: [Int], container: ContainerFormat, faststartFile: Bool = false) throws {
        self.path = path
        self.container = container
        self.faststartFile = faststartFile
        var context: UnsafeMutablePointer<AVFormatContext>?
        try checkAV(
            avformat_alloc_output_context2(&context, nil, container.muxerName, path), "creating a \(container.rawValue) segment muxer")
        format = context
        packet = av_packet_alloc()
        do {
            for index in streams {
                guard let source = reader.codecParameters(index), let stream = avformat_new_stream(context, nil) else {
                    throw RemuxError.invalidInput("stream \(index) cannot be copied")
                }
                try checkAV(avcodec_parameters_copy(stream.pointee.codecpar, source), "copying stream parameters")
                // Let the muxer choose its own tag (an MKV or MOV tag may not fit MP4).
                stream.pointee.codecpar.pointee.codec_tag = 0
                // The input's average bitrate (MP4 btrt box) depends on the whole export; a
                // segment must depend only on its own packets.
                stream.pointee.codecpar.pointee.bit_rate = 0
                let tb = reader.streams[index].timeBase
                stream.pointee.time_base = AVRational(num: tb.numerator, den: tb.denominator)
                inputTimeBases.append(stream.pointee.time_base)
            }
            try open()
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// Whether every stream can go into a fragmented MP4.
    static func mp4Accepts(_ reader: PacketReader, streams: [Int]) -> Bool {
        guard let mp4 = av_guess_format("mp4", nil, nil) else { return false }
        return streams.allSatisfy { index in
            guard let par = reader.codecParameters(index) else { return false }
            return avformat_query_codec(mp4, par.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 1
        }
    }

    private func open() throws {
        guard let format else { return }
        format.pointee.flags |= tsv_fmt_flag_bitexact()
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        if faststartFile {
            // A regular seekable file: the MP4 index moves to the front in a second pass.
            try checkAV(avio_open(&format.pointee.pb, path, tsv_avio_flag_write()), "opening \(path)")
            if container == .mp4 { av_dict_set(&options, "movflags", "+faststart", 0) }
            try checkAV(avformat_write_header(format, &options), "writing the header of \(path)")
            return
        }
        let output = try HashingOutput(path: path)
        self.output = output
        format.pointee.pb = output.context
        format.pointee.flags |= tsv_fmt_flag_custom_io()
        if container == .mp4 {
            // Self-contained fragments: an empty moov up front, one fragment per keyframe.
            av_dict_set(&options, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0)
        }
        try checkAV(avformat_write_header(format, &options), "writing the segment header")
    }

    /// Writes a demuxed packet by reference (no payload copy) with timestamps relative to
    /// the segment start, in the input stream's time base.
    func write(_ owned: OwnedPacket, outputStream: Int, pts: Int64?, dts: Int64?) throws {
        guard let format, let packet, let stream = format.pointee.streams[outputStream] else { return }
        try checkAV(av_packet_ref(packet, owned.pointer), "referencing a packet")
        packet.pointee.pts = pts ?? tsv_nopts_value()
        packet.pointee.dts = dts ?? tsv_nopts_value()
        packet.pointee.stream_index = Int32(outputStream)
        packet.pointee.pos = -1
        av_packet_rescale_ts(packet, inputTimeBases[outputStream], stream.pointee.time_base)
        try checkAV(av_interleaved_write_frame(format, packet), "writing a packet to \(path)")
    }

    /// Writes a packet whose timestamps are already relative to the segment start, in the
    /// input stream's time base.
    func write(_ media: ReadPacket, outputStream: Int, pts: Int64?, dts: Int64?) throws {
        guard let format, let packet, let stream = format.pointee.streams[outputStream] else { return }
        try checkAV(av_new_packet(packet, Int32(media.data.count)), "allocating a packet")
        media.data.withUnsafeBufferPointer { packet.pointee.data.update(from: $0.baseAddress!, count: $0.count) }
        packet.pointee.pts = pts ?? tsv_nopts_value()
        packet.pointee.dts = dts ?? tsv_nopts_value()
        packet.pointee.duration = media.duration
        packet.pointee.stream_index = Int32(outputStream)
        packet.pointee.flags = media.isKeyframe ? tsv_pkt_flag_key() : 0
        av_packet_rescale_ts(packet, inputTimeBases[outputStream], stream.pointee.time_base)
        try checkAV(av_interleaved_write_frame(format, packet), "writing a packet to \(path)")
    }

    /// Writes the trailer and closes a `faststartFile` output.
    func finishFile() throws {
        guard let format else { throw RemuxError.invalidInput("\(path) already finished") }
        defer { release() }
        try checkAV(av_write_trailer(format), "finishing \(path)")
        avio_closep(&format.pointee.pb)
    }

    /// Writes the trailer; returns the segment's SHA-256 and size.
    @discardableResult
    func finish() throws -> (sha256: String, size: Int64) {
        guard let format, let output else { throw RemuxError.invalidInput("segment \(path) already finished") }
        defer { release() }
        try checkAV(av_write_trailer(format), "finishing segment \(path)")
        format.pointee.pb = nil
        return try output.finish()
    }

    private func release() {
        if let format {
            if faststartFile, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            format.pointee.pb = nil  // otherwise owned by `output`
            avformat_free_context(format)
            self.format = nil
        }
        output?.release()
        output = nil
        av_packet_free(&packet)
    }
}
