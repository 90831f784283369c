import CFFmpeg

public struct VideoEncoderSettings: Sendable, Codable, Hashable {
    public var codec: VideoCodec
    public var width: Int
    public var height: Int
    public var fps: Int
    /// Frames per GOP; every GOP starts with an IDR picture and is closed.
    public var gopFrames: Int
    public var bitrate: Int
    public var bFrames: Int

    public init(codec: VideoCodec, width: Int, height: Int, fps: Int, gopFrames: Int, bitrate: Int, bFrames: Int) {
        self.codec = codec
        self.width = width
        self.height = height
        self.fps = fps
        self.gopFrames = gopFrames
        self.bitrate = bitrate
        self.bFrames = bFrames
    }
}

/// A set of independently decodable GOPs from one encoder session, so they share one set of
/// parameter sets (extradata) and can be concatenated in any order.
public struct EncodedVideo: Sendable {
    public var parameters: VideoStreamParameters
    /// Packets of each GOP in decode order; pts/dts are frame numbers relative to the GOP's
    /// first presented frame (dts may be negative with B-frames).
    public var gops: [[MediaPacket]]

    public init(parameters: VideoStreamParameters, gops: [[MediaPacket]]) {
        self.parameters = parameters
        self.gops = gops
    }
}

public enum VideoEncoder {
    /// Encodes `gopCount` distinct GOPs of the synthetic test pattern.
    public static func encodeGOPs(_ settings: VideoEncoderSettings, gopCount: Int) throws -> EncodedVideo {
        guard settings.width % 2 == 0, settings.height % 2 == 0, settings.width >= 16, settings.height >= 16 else {
            throw RemuxError.invalidInput("video size must be even and at least 16x16, got \(settings.width)x\(settings.height)")
        }
        let session = try EncoderSession(settings)
        defer { session.close() }
        var packets: [MediaPacket] = []
        let pattern = TestPattern(width: settings.width, height: settings.height, noiseAmplitude: 24)
        for frameNumber in 0..<(gopCount * settings.gopFrames) {
            let variant = frameNumber / settings.gopFrames
            let frameInGOP = frameNumber % settings.gopFrames
            packets += try session.encode(frameNumber: frameNumber, forceKey: frameInGOP == 0) { y, ys, u, v, cs in
                pattern.fill(y: y, yStride: ys, u: u, v: v, chromaStride: cs, variant: variant, frame: frameInGOP)
            }
        }
        packets += try session.flush()
        let gops = try splitIntoGOPs(packets, gopFrames: settings.gopFrames, expected: gopCount)
        return EncodedVideo(parameters: session.streamParameters(), gops: gops)
    }

    /// Cuts the decode-ordered packet list at each keyframe and rebases timestamps on the GOP.
    static func splitIntoGOPs(_ packets: [MediaPacket], gopFrames: Int, expected: Int) throws -> [[MediaPacket]] {
        var gops: [[MediaPacket]] = []
        for packet in packets {
            if packet.isKeyframe || gops.isEmpty { gops.append([]) }
            gops[gops.count - 1].append(packet)
        }
        guard gops.count == expected, gops.allSatisfy({ $0.count == gopFrames }) else {
            throw RemuxError.invalidInput(
                "encoder produced \(gops.map(\.count)) packets per GOP, expected \(expected) GOPs of \(gopFrames)")
        }
        return gops.enumerated().map { index, gop in
            let base = Int64(index * gopFrames)
            return gop.map { p in
                MediaPacket(data: p.data, pts: p.pts - base, dts: p.dts - base, duration: p.duration, isKeyframe: p.isKeyframe)
            }
        }
    }
}

/// Owns one libavcodec encoder context and its reusable frame and packet.
private final class EncoderSession {
    let settings: VideoEncoderSettings
    var context: UnsafeMutablePointer<AVCodecContext>?
    var frame: UnsafeMutablePointer<AVFrame>?
    var packet: UnsafeMutablePointer<AVPacket>?

    init(_ settings: VideoEncoderSettings) throws {
        self.settings = settings
        guard let codec = avcodec_find_encoder_by_name(settings.codec.encoderName) else {
            throw RemuxError.codecUnavailable(settings.codec.encoderName)
        }
        guard let context = avcodec_alloc_context3(codec) else { throw RemuxError.codecUnavailable("context") }
        self.context = context
        configure(context)
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        av_dict_set(&options, "preset", "superfast", 0)
        let keyint = settings.gopFrames
        if settings.codec == .h264 {
            av_dict_set(
                &options, "x264-params", "scenecut=0:open-gop=0:keyint=\(keyint):min-keyint=\(keyint):bframes=\(settings.bFrames)", 0)
        } else {
            av_dict_set(
                &options, "x265-params",
                "log-level=error:scenecut=0:open-gop=0:keyint=\(keyint):min-keyint=\(keyint):bframes=\(settings.bFrames)", 0)
        }
        try checkAV(avcodec_open2(context, codec, &options), "opening encoder \(settings.codec.encoderName)")
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame else { throw RemuxError.codecUnavailable("frame") }
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame.pointee.width = Int32(settings.width)
        frame.pointee.height = Int32(settings.height)
        try checkAV(av_frame_get_buffer(frame, 0), "allocating a video frame")
    }

    private func configure(_ context: UnsafeMutablePointer<AVCodecContext>) {
        context.pointee.width = Int32(settings.width)
        context.pointee.height = Int32(settings.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = AVRational(num: 1, den: Int32(settings.fps))
        context.pointee.framerate = AVRational(num: Int32(settings.fps), den: 1)
        context.pointee.gop_size = Int32(settings.gopFrames)
        context.pointee.keyint_min = Int32(settings.gopFrames)
        context.pointee.max_b_frames = Int32(settings.bFrames)
        context.pointee.bit_rate = Int64(settings.bitrate)
        context.pointee.rc_max_rate = Int64(settings.bitrate)
        context.pointee.rc_buffer_size = Int32(clamping: settings.bitrate)
        context.pointee.thread_count = 0
        // Parameter sets go to extradata once, as MP4 wants them, not into every keyframe.
        context.pointee.flags |= tsv_codec_flag_global_header()
    }

    func encode(
        frameNumber: Int, forceKey: Bool,
        draw: (UnsafeMutablePointer<UInt8>, Int, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>, Int) -> Void
    ) throws -> [MediaPacket] {
        guard let frame, let context else { return [] }
        try checkAV(av_frame_make_writable(frame), "making a frame writable")
        draw(
            frame.pointee.data.0!, Int(frame.pointee.linesize.0),
            frame.pointee.data.1!, frame.pointee.data.2!, Int(frame.pointee.linesize.1))
        frame.pointee.pts = Int64(frameNumber)
        frame.pointee.pict_type = forceKey ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        try checkAV(avcodec_send_frame(context, frame), "encoding frame \(frameNumber)")
        return try drain()
    }

    func flush() throws -> [MediaPacket] {
        guard let context else { return [] }
        try checkAV(avcodec_send_frame(context, nil), "flushing the encoder")
        return try drain()
    }

    private func drain() throws -> [MediaPacket] {
        guard let context, let packet else { return [] }
        var out: [MediaPacket] = []
        while true {
            let status = avcodec_receive_packet(context, packet)
            if status == tsv_averror_eagain() || status == tsv_averror_eof() { break }
            try checkAV(status, "receiving an encoded packet")
            let bytes = Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
            out.append(
                MediaPacket(
                    data: bytes, pts: packet.pointee.pts, dts: packet.pointee.dts, duration: 1,
                    isKeyframe: packet.pointee.flags & tsv_pkt_flag_key() != 0))
            av_packet_unref(packet)
        }
        return out
    }

    func streamParameters() -> VideoStreamParameters {
        let ctx = context!.pointee
        let extradata = ctx.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(ctx.extradata_size))) } ?? []
        return VideoStreamParameters(
            codec: settings.codec, width: ctx.width, height: ctx.height,
            timeBase: TimeBase(1, Int32(settings.fps)), extradata: extradata,
            reorderDelay: settings.bFrames > 0 ? max(1, ctx.has_b_frames) : 0)
    }

    func close() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&context)
    }
}
