import CFFmpeg
import Foundation

/// A cycle of encoded audio packets of a steady tone, each `parameters.frameSize` samples.
///
/// The tone's period divides the frame size, so every packet of the cycle continues any other:
/// an export can pick packet `k mod count` for the k-th frame since the epoch and the same
/// instant always yields the same bytes, like the video GOP library.
public struct EncodedAudio: Sendable {
    public var parameters: AudioStreamParameters
    public var packets: [[UInt8]]

    public init(parameters: AudioStreamParameters, packets: [[UInt8]]) {
        self.parameters = parameters
        self.packets = packets
    }
}

public enum AudioEncoder {
    /// Typical recorder audio: AAC-LC at 16 kHz (1024-sample frames) or G.711 µ-law at 8 kHz
    /// (400-sample packets, 50 ms), mono.
    public static func encodeTone(_ codec: AudioCodec, cycle: Int = 16) throws -> EncodedAudio {
        let sampleRate: Int32 = codec == .aac ? 16_000 : 8_000
        let frameSize: Int32 = codec == .aac ? 1024 : 400
        let session = try AudioEncoderSession(codec: codec, sampleRate: sampleRate, frameSize: frameSize)
        defer { session.close() }
        // AAC primes its MDCT over the first frames; keep only packets from the steady state.
        let skip = codec == .aac ? 4 : 0
        var packets: [[UInt8]] = []
        var frameIndex = 0
        while packets.count < skip + cycle {
            packets += try session.encode(frameIndex: frameIndex)
            frameIndex += 1
            guard frameIndex < 4 * (skip + cycle) + 16 else {
                throw RemuxError.invalidInput("audio encoder \(codec.rawValue) produced too few packets")
            }
        }
        return EncodedAudio(parameters: session.streamParameters(), packets: Array(packets[skip..<(skip + cycle)]))
    }
}

/// Owns one libavcodec audio encoder context with its reusable frame and packet.
private final class AudioEncoderSession {
    let codec: AudioCodec
    let sampleRate: Int32
    let frameSize: Int32
    var context: UnsafeMutablePointer<AVCodecContext>?
    var frame: UnsafeMutablePointer<AVFrame>?
    var packet: UnsafeMutablePointer<AVPacket>?

    init(codec: AudioCodec, sampleRate: Int32, frameSize: Int32) throws {
        self.codec = codec
        self.sampleRate = sampleRate
        self.frameSize = frameSize
        let encoderName = codec == .aac ? "aac" : "pcm_mulaw"
        guard let encoder = avcodec_find_encoder_by_name(encoderName) else { throw RemuxError.codecUnavailable(encoderName) }
        guard let context = avcodec_alloc_context3(encoder) else { throw RemuxError.codecUnavailable("context") }
        self.context = context
        context.pointee.sample_rate = sampleRate
        context.pointee.sample_fmt = codec == .aac ? AV_SAMPLE_FMT_FLTP : AV_SAMPLE_FMT_S16
        av_channel_layout_default(&context.pointee.ch_layout, 1)
        context.pointee.time_base = AVRational(num: 1, den: sampleRate)
        if codec == .aac { context.pointee.bit_rate = 32_000 }
        context.pointee.flags |= tsv_codec_flag_global_header() | tsv_codec_flag_bitexact()
        try checkAV(avcodec_open2(context, encoder, nil), "opening audio encoder \(encoderName)")
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame else { throw RemuxError.codecUnavailable("frame") }
        frame.pointee.format = context.pointee.sample_fmt.rawValue
        frame.pointee.nb_samples = frameSize
        frame.pointee.sample_rate = sampleRate
        try checkAV(av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout), "setting the channel layout")
        try checkAV(av_frame_get_buffer(frame, 0), "allocating an audio frame")
    }

    /// Encodes one frame of a 1 kHz tone; 1 kHz divides both 8 and 16 kHz, so the wave
    /// repeats every 8 or 16 samples and every frame starts at the same phase.
    func encode(frameIndex: Int) throws -> [[UInt8]] {
        guard let frame, let context else { return [] }
        try checkAV(av_frame_make_writable(frame), "making an audio frame writable")
        let period = Int(sampleRate / 1000)
        for i in 0..<Int(frameSize) {
            let value = 0.25 * sin(2 * Double.pi * Double(i % period) / Double(period))
            if codec == .aac {
                frame.pointee.data.0!.withMemoryRebound(to: Float.self, capacity: Int(frameSize)) { $0[i] = Float(value) }
            } else {
                frame.pointee.data.0!.withMemoryRebound(to: Int16.self, capacity: Int(frameSize)) { $0[i] = Int16(value * 32_767) }
            }
        }
        frame.pointee.pts = Int64(frameIndex) * Int64(frameSize)
        try checkAV(avcodec_send_frame(context, frame), "encoding audio frame \(frameIndex)")
        var out: [[UInt8]] = []
        guard let packet else { return out }
        while true {
            let status = avcodec_receive_packet(context, packet)
            if status == tsv_averror_eagain() || status == tsv_averror_eof() { break }
            try checkAV(status, "receiving an encoded audio packet")
            out.append(Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))))
            av_packet_unref(packet)
        }
        return out
    }

    func streamParameters() -> AudioStreamParameters {
        let ctx = context!.pointee
        let extradata = ctx.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(ctx.extradata_size))) } ?? []
        return AudioStreamParameters(codec: codec, sampleRate: sampleRate, channels: 1, frameSize: frameSize, extradata: extradata)
    }

    func close() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&context)
    }
}
