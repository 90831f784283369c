import Foundation

/// The typed calls the worker needs (§3–§5), each tolerant of the documented shape variants.
extension TSAPIClient {
    /// Public; asks for explicit flags, not `all`, which answers 401 without a JWT (§3.1).
    public func serverInfo() async throws -> ServerInfo {
        let path = "/api/v1/info"
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
            throw reader("/api/v1/info").malformed("unusable time zone \(info.timeZoneName ?? info.timeZoneBias ?? "none")")
        }
        return zone
    }

    public func channels() async throws -> [ChannelInfo] {
        let path = "/api/v1/channel"
        return try reader(path).array(try await getJSON(path, permission: "remote"), "the channel list").compactMap { element in
            guard let c = element as? [String: Any], let chid = c.int("chid") else { return nil }
            let title = c.string("title")?.removingPercentEncoding ?? ""
            return ChannelInfo(
                chid: chid, title: title, displayName: c.string("displayName") ?? (title.isEmpty ? "CH\(chid)" : "CH\(chid). \(title)"))
        }
    }

    /// Both code families of §3.3: `200` anywhere means the legacy family.
    public func channelStatus() async throws -> [ChannelStatus] {
        let path = "/api/v1/channel/status"
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
        let path = "/api/v1/recording/days"
        let object = try reader(path).object(
            try await getJSON(path, query: [("ch", String(channel))], permission: "playback"), "recording days")
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
        let path = "/api/v1/recording/minutes"
        let raw = try await getJSON(
            path,
            query: [
                ("ch", String(channel)), ("timeBegin", zone.format(day.start)),
                ("timeEnd", zone.format(day.end.addingTimeInterval(-1)))
            ], permission: "playback")
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
        let path = "/api/v1/event/log"
        var result: [EventLogEntry] = []
        var at = 0
        while true {
            var query: [(String, String?)] = [
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

    private func event(from e: [String: Any], zone: RecorderTimeZone) -> EventLogEntry? {
        let range: [String] = (e["timeRange"] as? [String]) ?? (e.string("timeRange").map { [$0] } ?? [])
        guard let id = e.int("id"), let first = range.first, let begin = zone.parse(first) else { return nil }
        return EventLogEntry(
            id: id, type: e.int("type") ?? -1, typeName: e.string("typeName"), code: e.int("code") ?? -1,
            codeName: e.string("codeName"), channel: e.int("chid"), begin: begin, end: range.dropFirst().first.flatMap(zone.parse))
    }
}
