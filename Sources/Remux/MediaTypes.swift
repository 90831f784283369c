/// Value types shared by the encoder, the writer and the reader.

public enum VideoCodec: String, Sendable, Codable, CaseIterable {
    case h264
    case h265

    var encoderName: String { self == .h264 ? "libx264" : "libx265" }
}

public enum AudioCodec: String, Sendable, Codable, CaseIterable {
    case aac
    case pcmMulaw = "pcm_mulaw"
}

public enum ContainerFormat: String, Sendable, Codable {
    case mp4
    case matroska

    public var fileExtension: String { self == .mp4 ? "mp4" : "mkv" }
    var muxerName: String { self == .mp4 ? "mp4" : "matroska" }
}

/// A rational time base, e.g. 1/90000.
public struct TimeBase: Sendable, Hashable, Codable {
    public var numerator: Int32
    public var denominator: Int32
    public init(_ numerator: Int32, _ denominator: Int32) {
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// One compressed packet with timestamps in its stream's time base.
public struct MediaPacket: Sendable {
    public var data: [UInt8]
    public var pts: Int64
    public var dts: Int64
    public var duration: Int64
    public var isKeyframe: Bool

    public init(data: [UInt8], pts: Int64, dts: Int64, duration: Int64, isKeyframe: Bool) {
        self.data = data
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
    }
}

/// What a muxer needs to know about a video stream.
public struct VideoStreamParameters: Sendable, Codable, Hashable {
    public var codec: VideoCodec
    public var width: Int32
    public var height: Int32
    public var timeBase: TimeBase
    public var extradata: [UInt8]
    /// Number of frames the decoder holds back for reordering (0 without B-frames).
    public var reorderDelay: Int32

    public init(codec: VideoCodec, width: Int32, height: Int32, timeBase: TimeBase, extradata: [UInt8], reorderDelay: Int32) {
        self.codec = codec
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.extradata = extradata
        self.reorderDelay = reorderDelay
    }
}

public struct AudioStreamParameters: Sendable, Codable, Hashable {
    public var codec: AudioCodec
    public var sampleRate: Int32
    public var channels: Int32
    public var frameSize: Int32
    public var extradata: [UInt8]

    public init(codec: AudioCodec, sampleRate: Int32, channels: Int32, frameSize: Int32, extradata: [UInt8]) {
        self.codec = codec
        self.sampleRate = sampleRate
        self.channels = channels
        self.frameSize = frameSize
        self.extradata = extradata
    }

    public var timeBase: TimeBase { TimeBase(1, sampleRate) }
}
