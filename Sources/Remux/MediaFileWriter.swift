import CFFmpeg

/// Writes packets into an MP4 or Matroska file through libavformat.
///
/// Packets are copied, never re-encoded. Timestamps are given in the time base of the stream
/// parameters and rescaled to whatever the muxer chose. Not thread-safe: one writer belongs
/// to one task.
public final class MediaFileWriter {
    public struct Options: Sendable {
        public var container: ContainerFormat
        /// Strip library version strings and creation times so that equal input gives equal bytes.
        public var bitexact: Bool
        /// Move the MP4 index to the front (playable while downloading); costs a second pass.
        public var faststart: Bool
        /// Container-level metadata such as `creation_time` or `title`.
        public var metadata: [String: String]

        public init(container: ContainerFormat = .mp4, bitexact: Bool = true, faststart: Bool = false, metadata: [String: String] = [:]) {
            self.container = container
            self.bitexact = bitexact
            self.faststart = faststart
            self.metadata = metadata
        }
    }

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var sourceTimeBases: [AVRational] = []
    private var finished = false
    public let path: String

    public init(path: String, video: VideoStreamParameters, audio: AudioStreamParameters?, options: Options) throws {
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try checkAV(
            avformat_alloc_output_context2(&context, nil, options.container.muxerName, path),
            "creating a \(options.container.rawValue) muxer")
        format = context
        packet = av_packet_alloc()
        do {
            try addVideoStream(video)
            if let audio { try addAudioStream(audio) }
            try open(options)
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    private func addVideoStream(_ video: VideoStreamParameters) throws {
        guard let stream = avformat_new_stream(format, nil) else { throw RemuxError.unsupported("cannot add a video stream") }
        let par = stream.pointee.codecpar!
        par.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        par.pointee.codec_id = video.codec == .h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC
        par.pointee.width = video.width
        par.pointee.height = video.height
        par.pointee.video_delay = video.reorderDelay
        try setExtradata(par, video.extradata)
        stream.pointee.time_base = AVRational(num: 1, den: 90_000)
        sourceTimeBases.append(AVRational(num: video.timeBase.numerator, den: video.timeBase.denominator))
    }

    private func addAudioStream(_ audio: AudioStreamParameters) throws {
        guard let stream = avformat_new_stream(format, nil) else { throw RemuxError.unsupported("cannot add an audio stream") }
        let par = stream.pointee.codecpar!
        par.pointee.codec_type = AVMEDIA_TYPE_AUDIO
        par.pointee.codec_id = audio.codec == .aac ? AV_CODEC_ID_AAC : AV_CODEC_ID_PCM_MULAW
        par.pointee.sample_rate = audio.sampleRate
        av_channel_layout_default(&par.pointee.ch_layout, audio.channels)
        par.pointee.frame_size = audio.frameSize
        if audio.codec == .pcmMulaw { par.pointee.bits_per_coded_sample = 8 }
        try setExtradata(par, audio.extradata)
        stream.pointee.time_base = AVRational(num: 1, den: audio.sampleRate)
        sourceTimeBases.append(AVRational(num: audio.timeBase.numerator, den: audio.timeBase.denominator))
    }

    private func setExtradata(_ par: UnsafeMutablePointer<AVCodecParameters>, _ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let padded = bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)
        guard let buffer = av_mallocz(padded)?.assumingMemoryBound(to: UInt8.self) else {
            throw RemuxError.unsupported("out of memory for extradata")
        }
        buffer.update(from: bytes, count: bytes.count)
        par.pointee.extradata = buffer
        par.pointee.extradata_size = Int32(bytes.count)
    }

    private func open(_ options: Options) throws {
        guard let format else { return }
        if options.bitexact { format.pointee.flags |= tsv_fmt_flag_bitexact() }
        for (key, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            av_dict_set(&format.pointee.metadata, key, value, 0)
        }
        try checkAV(avio_open(&format.pointee.pb, path, tsv_avio_flag_write()), "opening \(path) for writing")
        var muxerOptions: OpaquePointer? = nil
        defer { av_dict_free(&muxerOptions) }
        if options.container == .mp4 && options.faststart {
            av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
        }
        try checkAV(avformat_write_header(format, &muxerOptions), "writing the \(options.container.rawValue) header")
    }

    /// Writes one packet of stream `streamIndex` (0 = video, 1 = audio).
    public func write(_ media: MediaPacket, streamIndex: Int) throws {
        guard let format, let packet, let stream = format.pointee.streams[streamIndex] else {
            throw RemuxError.invalidInput("no stream \(streamIndex)")
        }
        try checkAV(av_new_packet(packet, Int32(media.data.count)), "allocating a packet")
        media.data.withUnsafeBufferPointer { packet.pointee.data.update(from: $0.baseAddress!, count: $0.count) }
        packet.pointee.pts = media.pts
        packet.pointee.dts = media.dts
        packet.pointee.duration = media.duration
        packet.pointee.stream_index = Int32(streamIndex)
        packet.pointee.flags = media.isKeyframe ? tsv_pkt_flag_key() : 0
        av_packet_rescale_ts(packet, sourceTimeBases[streamIndex], stream.pointee.time_base)
        // av_interleaved_write_frame takes the packet's reference, leaving it blank for reuse.
        try checkAV(av_interleaved_write_frame(format, packet), "writing a packet to \(path)")
    }

    /// Writes the trailer (the MP4 index) and closes the file.
    public func finish() throws {
        guard let format, !finished else { return }
        finished = true
        defer { release() }
        try checkAV(av_write_trailer(format), "finishing \(path)")
    }

    private func release() {
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            self.format = nil
        }
        av_packet_free(&packet)
    }
}
