import Foundation
import HTTPTypes
import Hummingbird

/// The legacy TS-API of recorders before v3.0 (`--api legacy|both`): query-string REST under
/// `/api/...`, the password itself as the credential (`?auth=base64(user:pass)`, HTTP Basic) or
/// a cookie session opened with it (`/api/auth?login=`). Shapes follow the legacy guide,
/// including its quirks: `TS-API@0.x` versions, the site name percent-encoded inside the JSON,
/// minutes as lists per hour, event times with milliseconds and offset. Where the guide's
/// samples are not valid JSON (comments, trailing commas, a `}` for a `]`), valid JSON of the
/// documented structure is served.
extension SimulatorState {
    static let legacyAPIVersion = "TS-API@0.9.20"
    static let legacySessionCookie = "tsapi-session"

    func addLegacyRoutes(to router: Router<BasicRequestContext>) {
        router.get("api/auth") { request, _ in try await self.legacyAuth(request) }
        router.get("api/info") { request, _ in try await self.legacyInfo(request) }
        router.get("api/enum") { request, _ in
            let principal = try await self.requireLegacy(.remote, request)
            guard request.query["what"] == "channel" else { throw APIError.badRequest("Unsupported what=\(request.query["what"] ?? "")") }
            let ids = try self.requestedChannels(request.query, principal: principal)
            return jsonResponse(
                .array(
                    ids.map { chid in
                        .object([
                            ("chid", .int(chid)), ("title", .string(self.channelTitle(chid))),
                            ("displayName", .string(self.displayName(chid)))
                        ])
                    }), indent: request.indent)
        }
        router.get("api/status") { request, _ in
            let principal = try await self.requireLegacy(.remote, request)
            let ids = try self.requestedChannels(request.query, principal: principal)
            return jsonResponse(
                .array(ids.map { self.legacyChannelStatus($0, recording: request.query.has("recordingStatus")) }), indent: request.indent)
        }
        router.get("api/find") { request, _ in
            let principal = try await self.requireLegacy(.playback, request)
            try await self.injectServerError()
            switch request.query["what"] {
            case "recDays": return try self.recordingDays(request, principal)
            case "recMinutes": return try self.legacyRecordingMinutes(request, principal)
            case "eventLog": return try self.eventLog(request, principal, timeFormat: .legacy)
            default: throw APIError.badRequest("Unsupported what=\(request.query["what"] ?? "")")
            }
        }
    }

    /// The principal of a legacy request: `?auth=`, HTTP Basic, or the session cookie; 401 otherwise.
    func requireLegacy(_ permission: Permission?, _ request: Request) async throws -> Principal {
        guard let principal = await legacyPrincipal(headers: request.headers, query: request.query) else { throw APIError.unauthorized }
        if let permission, !principal.allows(permission) { throw APIError.forbidden(permission) }
        return principal
    }

    func legacyPrincipal(headers: HTTPFields, query: QueryString) async -> Principal? {
        if let credential = query["auth"], let principal = await auth.verifyPassword(auth: credential) { return principal }
        if let basic = headers[.authorization], basic.lowercased().hasPrefix("basic "),
            let principal = await self.auth.verifyPassword(auth: String(basic.dropFirst(6)))
        {
            return principal
        }
        for id in Self.sessionIDs(headers) {
            if let principal = await self.auth.session(id) { return principal }
        }
        return nil
    }

    /// The values of the session cookie in a request's `Cookie` fields.
    static func sessionIDs(_ headers: HTTPFields) -> [String] {
        headers[values: .cookie].flatMap { $0.split(separator: ";") }.compactMap { pair in
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            return parts.count == 2 && parts[0] == legacySessionCookie ? String(parts[1]) : nil
        }
    }

    /// `/api/auth?login=…` (or `?auth=…`) opens a cookie session: 200, or 401 for a wrong
    /// password; `?logout` ends it.
    private func legacyAuth(_ request: Request) async throws -> Response {
        let q = request.query
        if q.has("logout") {
            for id in Self.sessionIDs(request.headers) { await auth.closeSession(id) }
            return Response(status: .ok)
        }
        guard let credential = q["login"] ?? q["auth"], let principal = await auth.verifyPassword(auth: credential) else {
            throw APIError.unauthorized
        }
        let session = await auth.openSession(principal)
        var headers = HTTPFields()
        headers[.setCookie] = "\(Self.legacySessionCookie)=\(session); Path=/; HttpOnly"
        return Response(status: .ok, headers: headers)
    }

    /// `/api/info?apiVersion|siteName|timezone|product|license|whoAmI|all`; without a flag, all.
    private func legacyInfo(_ request: Request) async throws -> Response {
        let q = request.query
        let flags = InfoFlags(query: q)
        let all = flags.all
        func wants(_ key: String) -> Bool { flags.wants(key) }
        var fields: [(String, JSONValue)] = []
        if wants("apiVersion") { fields.append(("apiVersion", .string(Self.legacyAPIVersion))) }
        // The guide's quirk: the site name is URL-encoded inside the JSON string.
        if wants("siteName") { fields.append(("siteName", .string(percentEncodeComponent(config.siteName)))) }
        if wants("timezone") {
            fields.append(
                ("timezone", .object([("name", .string(config.timeZone.identifier)), ("bias", .string(time.bias(at: clock.now)))])))
        }
        if wants("product") { fields.append(("product", .object([("name", .string("TS-NVR")), ("version", .string("v2.9.5 (64-bit)"))]))) }
        if wants("license") {
            fields.append(
                ("license", .object([("type", .string("genuine")), ("maxChannels", .int(64)), ("extension", .array([]))])))
        }
        guard all || q.has("whoAmI") else { return jsonResponse(.object(fields), indent: request.indent) }
        guard let principal = await legacyPrincipal(headers: request.headers, query: q), case .user(let name, _) = principal.kind else {
            return jsonResponse(.object(fields), status: .unauthorized, indent: request.indent)
        }
        let rights = ["DataExport", "Control", "Settings", "Playback", "LPR", "Remote"]
        fields.append(
            (
                "whoAmI",
                .object([
                    ("uid", .string(name)), ("name", .string(name)),
                    ("accessRights2", .object(rights.map { ($0, .bool(true)) })),
                    ("accessRights", .array(rights.map { .string($0) }))
                ])
            ))
        return jsonResponse(.object(fields), indent: request.indent)
    }

    private func legacyChannelStatus(_ chid: Int, recording withRecording: Bool) -> JSONValue {
        let now = clock.now
        let offline = schedule.liveState(channel: chid, at: now).offline
        var fields: [(String, JSONValue)] = [
            ("chid", .int(chid)), ("status", .object([("code", .int(offline ? 404 : 200))]))
        ]
        if withRecording {
            fields.append(("recordingStatus", .object([("streaming", .bool(!offline)), ("recording", .bool(isRecording(chid, at: now)))])))
        }
        return .object(fields)
    }

    /// `what=recMinutes`: per channel, the recorded minutes as lists per hour (local, or UTC
    /// when asked in UTC). One of timeBegin/timeEnd alone means one day from it; at most 3 days.
    /// The hour a DST change repeats gets two entries with the same fields, in time order (the
    /// guide does not say; one list per real hour keeps every minute apart).
    private func legacyRecordingMinutes(_ request: Request, _ principal: Principal) throws -> Response {
        let q = request.query
        let begin = try parseTime(q, "timeBegin")
        let end = try parseTime(q, "timeEnd")
        guard let anchor = begin ?? end else { throw APIError.badRequest("timeBegin or timeEnd is required") }
        let start = begin?.seconds ?? (anchor.seconds - 86_400)
        let stop = end?.seconds ?? (anchor.seconds + 86_400)
        guard stop > start else { throw APIError.badRequest("timeEnd must be after timeBegin") }
        guard stop - start <= 3 * 86_400 else { throw APIError.badRequest("The minutes window is limited to 3 days") }
        let utc = anchor.wasUTC
        let fieldsOf = utc ? ServerTime(zone: TimeZone(identifier: "UTC")!).localFields : time.localFields
        let channels = try requestedChannels(q, principal: principal)
        let now = clock.now
        let data: [JSONValue] = channels.map { chid in
            let bits = Array(schedule.minutesBitmap(channel: chid, from: start, through: stop, now: now).utf8)
            var hours: [(key: [Int], hourStart: UnixSeconds, minutes: [Int])] = []
            for (i, bit) in bits.enumerated() where bit == UInt8(ascii: "1") {
                let instant = start + Int64(i) * 60
                let f = fieldsOf(instant)
                let hourStart = instant - Int64(f.minute * 60 + f.second)
                if hours.last?.hourStart == hourStart {
                    hours[hours.count - 1].minutes.append(f.minute)
                } else {
                    hours.append(([f.year, f.month, f.day, f.hour], hourStart, [f.minute]))
                }
            }
            return .object([
                ("chid", .int(chid)),
                (
                    "data",
                    .array(
                        hours.map { h in
                            .object([
                                ("year", .int(h.key[0])), ("month", .int(h.key[1])), ("day", .int(h.key[2])), ("hour", .int(h.key[3])),
                                ("minutes", .array(h.minutes.map { .int($0) }))
                            ])
                        })
                )
            ])
        }
        return jsonResponse(
            .object([
                ("timeBegin", .string(legacyEcho(start, utc: utc))), ("timeEnd", .string(legacyEcho(stop, utc: utc))),
                ("data", .array(data))
            ]), indent: request.indent)
    }

    /// `2018-05-25T00:00:00.000-05:00` (or `…Z` for a UTC request), as the legacy guide echoes times.
    func legacyEcho(_ seconds: UnixSeconds, utc: Bool) -> String {
        utc ? ServerTime.formatUTC(milliseconds: seconds * 1000) : time.formatLocalWithOffset(seconds)
    }
}
