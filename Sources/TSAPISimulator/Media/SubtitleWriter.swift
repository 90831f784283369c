/// Subtitle formats an export can carry next to the video; each cue shows the recorder's
/// local date, time and offset for one second of recording.
public enum SubtitleFormat: String, Sendable, CaseIterable {
    case srt, vtt, ass, ssa, smi

    /// Accepts the v1 lowercase and legacy uppercase spellings; `None` means no subtitle.
    public static func parse(_ raw: String?) -> (format: SubtitleFormat?, valid: Bool) {
        guard let raw, !raw.isEmpty, raw.lowercased() != "none" else { return (nil, true) }
        guard let format = SubtitleFormat(rawValue: raw.lowercased()) else { return (nil, false) }
        return (format, true)
    }
}

enum SubtitleWriter {
    /// `seconds` are the recorded wall-clock seconds; `fileStart` is media time zero.
    static func render(_ format: SubtitleFormat, fileStart: UnixSeconds, recorded: [TimeSpan], time: ServerTime) -> String {
        var out = header(format)
        var index = 1
        for span in recorded {
            var t = span.start
            while t < span.end {
                let label = time.formatLocal(t).replacingOccurrences(of: "T", with: " ") + " " + time.bias(at: t)
                out += cue(format, index: index, from: (t - fileStart) * 1000, to: (t + 1 - fileStart) * 1000, text: label)
                index += 1
                t += 1
            }
        }
        return out + footer(format)
    }

    private static func header(_ format: SubtitleFormat) -> String {
        switch format {
        case .srt: return ""
        case .vtt: return "WEBVTT\n\n"
        case .ass, .ssa:
            let version = format == .ass ? "v4.00+" : "v4.00"
            return
                "[Script Info]\nScriptType: \(version)\nTitle: Recording time\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        case .smi: return "<SAMI>\n<HEAD><TITLE>Recording time</TITLE></HEAD>\n<BODY>\n"
        }
    }

    private static func footer(_ format: SubtitleFormat) -> String { format == .smi ? "</BODY>\n</SAMI>\n" : "" }

    private static func cue(_ format: SubtitleFormat, index: Int, from: Int64, to: Int64, text: String) -> String {
        switch format {
        case .srt: return "\(index)\n\(clock(from, ",")) --> \(clock(to, ","))\n\(text)\n\n"
        case .vtt: return "\(clock(from, ".")) --> \(clock(to, "."))\n\(text)\n\n"
        case .ass, .ssa: return "Dialogue: 0,\(centiClock(from)),\(centiClock(to)),Default,,0,0,0,,\(text)\n"
        case .smi: return "<SYNC Start=\(from)><P>\(text)</P></SYNC>\n"
        }
    }

    private static func clock(_ ms: Int64, _ separator: String) -> String {
        let s = ms / 1000
        return "\(pad(Int(s / 3600), 2)):\(pad(Int(s % 3600 / 60), 2)):\(pad(Int(s % 60), 2))\(separator)\(pad(Int(ms % 1000), 3))"
    }

    private static func centiClock(_ ms: Int64) -> String {
        let s = ms / 1000
        return "\(s / 3600):\(pad(Int(s % 3600 / 60), 2)):\(pad(Int(s % 60), 2)).\(pad(Int(ms % 1000 / 10), 2))"
    }
}
