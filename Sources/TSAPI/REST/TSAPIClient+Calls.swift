import Foundation

/// The typed calls the worker needs (§3–§5), each tolerant of the documented shape variants,
/// on TS-API v1 or on the legacy API (`settings.api`), which asks the same questions at other
/// paths (`/api/info`, `/api/enum`, `/api/status`, `/api/find?what=…`) and answers in nearly the
/// same shapes; the minutes come as lists per hour instead of a bitmap.
extension TSAPIClient {
    private var legacy: Bool { settings.dialect == .legacy }

    /// `path` and `what=` of one question in the recorder's dialect.
    private func route(v1: String, legacy path: String, what: String? = nil) -> (path: String, query: [(String, String?)]) {
        guard legacy else { return (v1, []) }
        return (path, what.map { [("what", $0)] } ?? [])
    }

    /// Public; asks for explicit flags, not `all`, which answers 401 without a JWT (§3.1).
    public func serverInfo() async throws -> ServerInfo {
        let path = settings.dialect.infoPath
        let object = try reader(path).object(
            try await getJSON(
                path, query: [("apiVersion", nil), ("siteName", nil), ("timezone", nil), ("product", nil), ("license", nil)],
                authenticated: false), "info")
        let zone = object["timezone"] as? [String: Any]
        let product = object["product"] as? [String: Any]
        let license = object["license"] as? [String: Any]
        guard let version = object.string("apiVersion") else { throw reader(path).malformed("no apiVersion") }
        return ServerInfo(
            apiVersion: version, siteName: object.string("siteName")?.removingPercentEncoding,
            timeZoneName: zone?.string("name") ?? object.string("timezone"), timeZoneBias: zone?.string("bias"),
            productName: product?.string("name"), productVersion: product?.string("version"),
            licenseType: license?.string("type"), maxChannels: license?.int("maxChannels"))
    }

    /// The recorder's zone from its info; an error when it names none we can use.
    public func timeZone(of info: ServerInfo) throws -> RecorderTimeZone {
        guard let zone = RecorderTimeZone(name: info.timeZoneName, bias: info.timeZoneBias) else {
            throw reader(settings.dialect.infoPath).malformed("unusable time zone \(info.timeZoneName ?? info.timeZoneBias ?? "none")")
        }
        return zone
    }

    public func channels() async throws -> [ChannelInfo] {
        let (path, what) = route(v1: "/api/v1/channel", legacy: "/api/enum", what: "channel")
        return try reader(path).array(try await getJSON(path, query: what, permission: "remote"), "the channel list").compactMap {
            element in
            guard let c = element as? [String: Any], let chid = c.int("chid") else { return nil }
            let title = c.string("title")?.removingPercentEncoding ?? ""
            return ChannelInfo(
                chid: chid, title: title, displayName: c.string("displayName") ?? (title.isEmpty ? "CH\(chid)" : "CH\(chid). \(title)"))
        }
    }

    /// Both code families of §3.3: `200` anywhere means the legacy family.
    public func channelStatus() async throws -> [ChannelStatus] {
        let (path, _) = route(v1: "/api/v1/channel/status", legacy: "/api/status")
        let entries = try reader(path).array(
            try await getJSON(path, query: [("recordingStatus", nil)], permission: "remote"), "channel status"
        )
        .compactMap { $0 as? [String: Any] }
        let codes = entries.compactMap { ($0["status"] as? [String: Any])?.int("code") }
        let legacy = codes.contains(200)
        return entries.compactMap { e in
            guard let chid = e.int("chid") else { return nil }
            let status = e["status"] as? [String: Any]
            let code = status?.int("code") ?? -1
            let recording = e.bool("recording") ?? (e["recordingStatus"] as? [String: Any])?.bool("recording")
            return ChannelStatus(
                chid: chid, code: code, message: status?.string("message"),
                connected: legacy ? code == 200 : code == 0, recording: recording)
        }
    }

    /// Days with recordings of one channel (one channel per call keeps attribution exact,
    /// §4.1), in either the flat or the per-channel shape.
    public func recordingDays(channel: Int, zone: RecorderTimeZone) async throws -> RecordingDays {
        let (path, what) = route(v1: "/api/v1/recording/days", legacy: "/api/find", what: "recDays")
        let object = try reader(path).object(
            try await getJSON(path, query: what + [("ch", String(channel))], permission: "playback"), "recording days")
        var days: Set<LocalDay> = []
        for case let entry as [String: Any] in (object["data"] as? [Any]) ?? [] {
            if let chid = entry.int("chid"), chid != channel { continue }
            let months = (entry["data"] as? [Any]) ?? [entry]
            for case let m as [String: Any] in months {
                guard let year = m.int("year"), let month = m.int("month") else { continue }
                for case let d as Int in (m["days"] as? [Any]) ?? [] {
                    if let day = zone.localDay(year: year, month: month, day: d) { days.insert(day) }
                }
            }
        }
        return RecordingDays(channel: channel, days: days.sorted())
    }

    /// The minutes bitmap of one channel and local day, asked with explicit offsets so DST
    /// days are unambiguous, and checked against the day's real length.
    public func recordingMinutes(channel: Int, day: LocalDay, zone: RecorderTimeZone) async throws -> MinuteCoverage {
        let (path, what) = route(v1: "/api/v1/recording/minutes", legacy: "/api/find", what: "recMinutes")
        let raw = try await getJSON(
            path,
            query: what + [
                ("ch", String(channel)), ("timeBegin", zone.format(day.start)),
                ("timeEnd", zone.format(day.end.addingTimeInterval(-1)))
            ], permission: "playback")
        if legacy { return try Self.legacyMinutes(raw, reader: reader(path), channel: channel, day: day, zone: zone) }
        let bitmap: String?
        switch raw {
        case let text as String: bitmap = text  // bare bitmap answers (§4.2 item 3)
        case let object as [String: Any]:
            let entries = (object["data"] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
            bitmap = (entries.first { $0.int("chid") == channel } ?? (entries.count == 1 ? entries.first : nil))?.string("minutes")
        default: bitmap = nil
        }
        guard let bitmap else {
            // A channel left out of the answer has no recording that day (§4.2 item 5).
            return MinuteCoverage(channel: channel, day: day, recorded: Array(repeating: false, count: day.minuteCount))
        }
        return try MinuteCoverage.parse(bitmap: bitmap, channel: channel, day: day, server: settings.name)
    }

    /// Every event in the window, paging with `at` until `totalCount` (§5.2).
    public func eventLog(
        from: Date, to: Date, channel: Int? = nil, zone: RecorderTimeZone, pageSize: Int = 100
    ) async throws -> [EventLogEntry] {
        let (path, what) = route(v1: "/api/v1/event/log", legacy: "/api/find", what: "eventLog")
        var result: [EventLogEntry] = []
        var at = 0
        while true {
            var query: [(String, String?)] =
                what + [
                    ("timeBegin", zone.format(from)), ("timeEnd", zone.format(to)),
                    ("at", String(at)), ("maxCount", String(pageSize)), ("sort", "asc")
                ]
            if let channel { query.append(("ch", String(channel))) }
            let raw = try await getJSON(path, query: query, permission: "playback")
            let object = raw as? [String: Any]
            let page = ((object?["data"] ?? raw) as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            result += page.compactMap { event(from: $0, zone: zone) }
            at += page.count
            let total = object?.int("totalCount") ?? at
            if page.isEmpty || at >= total { return result }
        }
    }

    /// The legacy minutes answer: per channel, `{year, month, day, hour, minutes: [m…]}` in
    /// the recorder's local time, turned into the day's bitmap. The hour a DST change repeats
    /// can only be told apart by order: a second entry for the same hour (or a minute listed
    /// twice in one) is its later occurrence.
    static func legacyMinutes(_ raw: Any, reader: JSONReader, channel: Int, day: LocalDay, zone: RecorderTimeZone) throws -> MinuteCoverage
    {
        let object = try reader.object(raw, "recorded minutes")
        let entries = (object["data"] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
        var recorded = Array(repeating: false, count: day.minuteCount)
        guard let mine = entries.first(where: { $0.int("chid") == channel }) ?? (entries.count == 1 ? entries.first : nil) else {
            return MinuteCoverage(channel: channel, day: day, recorded: recorded)
        }
        var seen: Set<[Int]> = []
        for case let hour as [String: Any] in (mine["data"] as? [Any]) ?? [] {
            guard let y = hour.int("year"), let mo = hour.int("month"), let d = hour.int("day"), let h = hour.int("hour") else {
                throw reader.malformed("an hour without year, month, day and hour")
            }
            let again = !seen.insert([y, mo, d, h]).inserted
            var minutesSeen: Set<Int> = []
            for case let m as Int in (hour["minutes"] as? [Any]) ?? [] {
                guard (0..<60).contains(m), let first = zone.localInstant(year: y, month: mo, day: d, hour: h, minute: m) else {
                    throw reader.malformed("minute \(m) of \(y)-\(mo)-\(d) \(h)h")
                }
                let later = again || !minutesSeen.insert(m).inserted
                let instant = later ? zone.repeatedOccurrence(of: first) ?? first : first
                let index = Int(instant.timeIntervalSince(day.start) / 60)
                if recorded.indices.contains(index) { recorded[index] = true }
            }
        }
        return MinuteCoverage(channel: channel, day: day, recorded: recorded)
    }

    private func event(from e: [String: Any], zone: RecorderTimeZone) -> EventLogEntry? {
        let range: [String] = (e["timeRange"] as? [String]) ?? (e.string("timeRange").map { [$0] } ?? [])
        guard let id = e.int("id"), let first = range.first, let begin = zone.parse(first) else { return nil }
        return EventLogEntry(
            id: id, type: e.int("type") ?? -1, typeName: e.string("typeName"), code: e.int("code") ?? -1,
            codeName: e.string("codeName"), channel: e.int("chid"), begin: begin, end: range.dropFirst().first.flatMap(zone.parse))
    }
}
