import Foundation

/// What to export: channels and a UTC window, with the options the worker always sets
/// explicitly because the recorder's defaults are unknown (§6.2).
public struct ExportRequest: Sendable, Hashable {
    public var channels: [Int]
    public var begin: Date
    public var end: Date
    public var md5 = true
    /// `srt`, `vtt`, …; nil asks for none.
    public var subtitleFormat: String? = "srt"
    /// Largest file the recorder should produce, e.g. `1GB`.
    public var mediaSize: String? = "1GB"
    /// Period of `fileWriting` messages, e.g. `5s`; nil for none. On by default so that a
    /// recorder busy producing a file keeps talking, which lets a silent one be detected.
    public var statusInterval: String? = "5s"
    /// How long each wait on the recorder may last (first message, idle, whole session).
    public var timeouts = ExportTimeouts()
    /// With no message received and no command sent for this long, the session is taken for
    /// dead (`socketClosed`, transient: the window is retried) instead of waiting forever.
    public var inactivityTimeout: Duration {
        get { timeouts.idle }
        set { timeouts.idle = newValue }
    }
    public var language = "en-US"

    public init(channels: [Int], begin: Date, end: Date) {
        self.channels = channels
        self.begin = begin
        self.end = end
    }

    /// The socket query (§6.9 step 1), times with explicit offsets, without credentials.
    func query(zone: RecorderTimeZone) -> [(String, String?)] {
        var items: [(String, String?)] = [
            ("ch", channels.map(String.init).joined(separator: ",")),
            ("timeBegin", zone.format(begin)), ("timeEnd", zone.format(end)),
            ("md5", md5 ? "true" : "false"), ("lang", language), ("indent", "0")
        ]
        if let subtitleFormat { items.append(("subtitleFormat", subtitleFormat)) }
        if let mediaSize { items.append(("mediaSize", mediaSize)) }
        if let statusInterval { items.append(("statusInterval", statusInterval)) }
        return items
    }
}

/// Client → server commands (§6.6).
public enum ExportCommand: String, Sendable {
    case next, wait, cancel
}
