import Foundation

/// The query of a `/wsapi/v1/export` connection, validated (§6.2).
struct ExportRequest: Sendable {
    var channels: [Int]
    var begin: ParsedTime
    var end: ParsedTime
    var md5: Bool
    var mediaSize: Int
    var subtitle: SubtitleFormat?
    /// As the client spelled it; `ready` echoes the case given.
    var subtitleEcho: String?
    var statusIntervalMilliseconds: Int?
    var language: String?
    var indent: Int

    var span: TimeSpan { TimeSpan(begin.seconds, end.seconds) }

    struct Invalid: Error { var message: String }

    static func parse(_ q: QueryString, state: SimulatorState, principal: Principal) throws(Invalid) -> ExportRequest {
        guard let rawBegin = q["timeBegin"], let rawEnd = q["timeEnd"] else { throw Invalid(message: "timeBegin and timeEnd are required") }
        guard let begin = state.time.parse(rawBegin) else { throw Invalid(message: "Invalid timeBegin '\(rawBegin)'") }
        guard let end = state.time.parse(rawEnd) else { throw Invalid(message: "Invalid timeEnd '\(rawEnd)'") }
        guard end.seconds > begin.seconds else { throw Invalid(message: "timeEnd must be after timeBegin") }
        let channels: [Int]
        do {
            channels = try q.channelList() ?? state.schedule.channelIDs.filter { principal.allows(channel: $0) }
        } catch {
            throw Invalid(message: error.message)
        }
        guard !channels.isEmpty, channels.allSatisfy({ state.schedule.channelIDs.contains($0) && principal.allows(channel: $0) }) else {
            throw Invalid(message: "Invalid channel list")
        }
        let subtitle = SubtitleFormat.parse(q["subtitleFormat"])
        guard subtitle.valid else { throw Invalid(message: "Invalid subtitleFormat '\(q["subtitleFormat"] ?? "")'") }
        var mediaSize = 1 << 30
        if let raw = q["mediaSize"] {
            guard let size = parseMediaSize(raw) else { throw Invalid(message: "Invalid mediaSize '\(raw)'") }
            mediaSize = size
        }
        var interval: Int?
        if let raw = q["statusInterval"] {
            guard let ms = parseInterval(raw) else { throw Invalid(message: "Invalid statusInterval '\(raw)'") }
            interval = ms
        }
        return ExportRequest(
            channels: channels, begin: begin, end: end, md5: q.flag("md5"), mediaSize: mediaSize,
            subtitle: subtitle.format, subtitleEcho: subtitle.format == nil ? nil : q["subtitleFormat"],
            statusIntervalMilliseconds: interval, language: q["lang"], indent: min(max(q.int("indent") ?? 0, 0), 8))
    }

    /// `1GB`, `700MB`, `500KB`, `4096B`, or bare bytes; 1024-based as the server echoes them.
    static func parseMediaSize(_ raw: String) -> Int? {
        let upper = raw.uppercased().trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)] where upper.hasSuffix(suffix) {
            guard let n = Int(upper.dropLast(suffix.count)), n > 0 else { return nil }
            return n * factor
        }
        return Int(upper).flatMap { $0 > 0 ? $0 : nil }
    }

    /// `5s`, `1m` (guide) or `500ms` (legacy), in milliseconds.
    static func parseInterval(_ raw: String) -> Int? {
        let lower = raw.lowercased()
        for (suffix, factor) in [("ms", 1), ("s", 1000), ("m", 60_000)] where lower.hasSuffix(suffix) {
            guard let n = Int(lower.dropLast(suffix.count)), n > 0 else { return nil }
            return n * factor
        }
        return nil
    }
}
