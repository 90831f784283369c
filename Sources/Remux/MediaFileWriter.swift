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
    private var output: SeekableFileOutput?
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
        let output = try SeekableFileOutput(path: path)
        self.output = output
        format.pointee.pb = output.context
        format.pointee.flags |= tsv_fmt_flag_custom_io()
        var muxerOptions: OpaquePointer? = nil
        defer { av_dict_free(&muxerOptions) }
        if options.container == .mp4 && options.faststart {
            av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
        }
        try checkAV(avformat_write_header(format, &muxerOptions), "writing the \(options.container.rawValue) header")
    }

    /// Writes one packet of stream `streamIndex` (0 = video, 1 = audio).
    public func write(_ media: MediaPacket, streamIndex: Int) throws {
        let timing = PacketTiming(pts: media.pts, dts: media.dts, duration: media.duration, isKeyframe: media.isKeyframe)
        try write(size: media.data.count, timing: timing, streamIndex: streamIndex) { destination in
            media.data.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// Writes one packet of `size` bytes that `fill` puts straight into the packet's buffer
    /// (no intermediate array).
    public func write(
        size: Int, timing: PacketTiming, streamIndex: Int, fill: (UnsafeMutableRawBufferPointer) -> Void
    ) throws {
        guard let format, let packet, let stream = format.pointee.streams[streamIndex] else {
            throw RemuxError.invalidInput("no stream \(streamIndex)")
        }
        try checkAV(av_new_packet(packet, Int32(size)), "allocating a packet")
        fill(UnsafeMutableRawBufferPointer(start: packet.pointee.data, count: size))
        packet.pointee.pts = timing.pts
        packet.pointee.dts = timing.dts
        packet.pointee.duration = timing.duration
        packet.pointee.stream_index = Int32(streamIndex)
        packet.pointee.flags = timing.isKeyframe ? tsv_pkt_flag_key() : 0
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
        try output?.finish()
    }

    private func release() {
        if let format {
            // The output is ours (custom I/O): the format context must not close it.
            format.pointee.pb = nil
            avformat_free_context(format)
            self.format = nil
        }
        output?.release()
        output = nil
        av_packet_free(&packet)
    }
}

/// A packet's timestamps (in its stream's time base) and key flag, without its bytes.
public struct PacketTiming: Sendable {
    public var pts: Int64
    public var dts: Int64
    public var duration: Int64
    public var isKeyframe: Bool

    public init(pts: Int64, dts: Int64, duration: Int64, isKeyframe: Bool) {
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
    }
}
