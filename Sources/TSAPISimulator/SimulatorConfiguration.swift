import Foundation
import Remux

/// Everything that shapes one simulated recorder. Defaults serve a useful demo.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory: String
    /// Where the encoded GOP library is cached; defaults to `<data>/gop-cache`. Several
    /// simulators may share one.
    public var cacheDirectory: String?
    public var channels = 4
    public var retentionDays = 7
    /// Fixed recorder clock; nil follows the real clock.
    public var now: UnixSeconds?
    public var timeZone = TimeZone(identifier: "Asia/Seoul")!
    public var username = "admin"
    public var password = "1234"
    /// API key created at start with every permission; generated when nil.
    public var apiKey: String?
    public var codec: VideoCodec = .h264
    public var width = 1280
    public var height = 720
    public var bitrate = 2_000_000
    public var fps = 15
    public var gopSeconds = 2
    public var bFrames = 0
    public var gopVariants = 6
    public var audio: AudioCodec?
    public var accessTokenTTL: Int = 3600
    public var refreshTokenTTL: Int = 7 * 86_400
    /// Export `fileEnd.ttl` in milliseconds.
    public var exportTTLMilliseconds = 10_000
    /// `timeoutAlert` key: the v1 Korean guide uses `stage`, the English legacy guide `request`.
    public var timeoutAlertKey = "stage"
    /// Minimum time to produce each export file, so that `fileWriting` messages appear.
    public var fileWriteMilliseconds = 0
    /// How a gap in the recording inside an export window shows: separate files, or one file
    /// whose timestamps jump over the hole.
    public var gapMode: GapMode = .split
    public var fileNaming: FileNaming = .v1
    public var daysShape: DaysShape = .legacyRule
    /// Build absolute URLs with this scheme (a recorder behind TLS may still say http).
    public var urlScheme = "http"
    public var requireXHost = false
    /// The examples' claim that JWTs only work on /auth/*: reject Bearer on data endpoints.
    public var rejectJWTOnData = false
    /// Omit `refreshToken` from refresh responses (some example clients expect that).
    public var refreshWithoutNewToken = false
    public var exportLicensed = true
    public var legacyChannelStatus = false
    /// Which API the recorder speaks: TS-API v1 (v3.0 and later, the legacy API switched off),
    /// the legacy query-string API of older recorders, or both (a v3.x recorder with the legacy
    /// API left on).
    public var api: APIMode = .v1
    public var siteName = "tsapi-sim"
    /// Serve HTTPS/WSS with this PEM certificate chain and key (both or neither).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?

    public enum GapMode: String, Sendable, CaseIterable { case split, hole }
    public enum FileNaming: String, Sendable, CaseIterable { case v1, legacy }
    public enum APIMode: String, Sendable, CaseIterable {
        case v1, legacy, both
        public var servesV1: Bool { self != .legacy }
        public var servesLegacy: Bool { self != .v1 }
    }
    public enum DaysShape: String, Sendable, CaseIterable {
        case flat, nested
        case legacyRule = "legacy"
    }

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// Tiny, fast media (160x96, 10 fps, 150 kbit/s) and a frozen clock: for tests and demos
    /// where what matters is the protocol and the packet bytes, not the picture.
    public func compactMedia(now: UnixSeconds) -> SimulatorConfiguration {
        var c = self
        c.width = 160
        c.height = 96
        c.fps = 10
        c.gopSeconds = 2
        c.bitrate = 150_000
        c.gopVariants = 4
        c.now = now
        return c
    }

    public var videoSettings: VideoEncoderSettings {
        VideoEncoderSettings(
            codec: codec, width: width, height: height, fps: fps,
            gopFrames: fps * gopSeconds, bitrate: bitrate, bFrames: bFrames)
    }

    /// Problems a user can fix on the command line; empty when the configuration is usable.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if !(1...64).contains(channels) { errors.append("--channels must be 1...64") }
        if retentionDays < 1 { errors.append("--days must be at least 1") }
        if gopSeconds < 1 || 60 % gopSeconds != 0 { errors.append("--gop must divide 60 seconds (1, 2, 3, 4, 5, 6, 10, ...)") }
        if !(1...60).contains(fps) { errors.append("--fps must be 1...60") }
        if width % 2 != 0 || height % 2 != 0 || width < 16 || height < 16 { errors.append("--size must be even and at least 16x16") }
        if bitrate < 10_000 { errors.append("--bitrate must be at least 10k") }
        if exportTTLMilliseconds < 50 { errors.append("--ttl must be at least 50 ms") }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) { errors.append("--tls-cert and --tls-key go together") }
        if !["stage", "request"].contains(timeoutAlertKey) { errors.append("--timeout-alert-key must be stage or request") }
        return errors
    }
}
