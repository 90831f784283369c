import Hummingbird

/// Recording search (days, minutes) and the event log, all derived from the schedule.
extension SimulatorState {
    func addRecordingRoutes(to router: Router<BasicRequestContext>) {
        router.get("api/v1/recording/days") { request, _ in
            let principal = try await self.require(.playback, request)
            try await self.injectServerError()
            return try self.recordingDays(request, principal)
        }
        router.get("api/v1/recording/minutes") { request, _ in
            let principal = try await self.require(.playback, request)
            try await self.injectServerError()
            return try self.recordingMinutes(request, principal)
        }
        router.get("api/v1/event/type") { request, _ in
            _ = try await self.require(.remote, request)
            return jsonResponse(
                .array(
                    EventCatalog.types.map { type in
                        var fields: [(String, JSONValue)] = [("id", .int(type.id)), ("name", .string(type.name))]
                        if let codes = type.codes {
                            fields.append(("code", .array(codes.map { .object([("id", .int($0.id)), ("name", .string($0.name))]) })))
                        }
                        return .object(fields)
                    }), indent: request.indent)
        }
        // The topics /wsapi/v1/events serves (guide §9.2): a string array.
        router.get("api/v1/event/realtime") { request, _ in
            _ = try await self.require(.remote, request)
            return jsonResponse(.array(EventTopic.served.map { .string($0.rawValue) }), indent: request.indent)
        }
        router.get("api/v1/event/log") { request, _ in
            let principal = try await self.require(.playback, request)
            try await self.injectServerError()
            return try self.eventLog(request, principal)
        }
    }

    func injectServerError() async throws {
        if await faults.take(.http500) != nil { throw APIError(.internalServerError, "Internal server error (injected)") }
    }

    /// The effective window: the request's bounds, defaulting to what the recorder holds.
    private func window(_ q: QueryString) throws -> (span: TimeSpan, utc: Bool) {
        let available = schedule.available(now: clock.now)
        let begin = try parseTime(q, "timeBegin")
        let end = try parseTime(q, "timeEnd")
        let start = begin?.seconds ?? available.start
        // An end at hh:mm:59 means "through that second".
        let stop = end.map { $0.seconds + ($0.seconds % 60 == 59 ? 1 : 0) } ?? available.end
        guard stop > start else { throw APIError.badRequest("timeEnd must be after timeBegin") }
        return (TimeSpan(start, stop), begin?.wasUTC ?? end?.wasUTC ?? false)
    }

    func recordingDays(_ request: Request, _ principal: Principal) throws -> Response {
        let q = request.query
        let channels = try requestedChannels(q, principal: principal)
        let (span, utc) = try window(q)
        let now = clock.now
        func grouped(_ days: [CalendarDay]) -> JSONValue {
            var months: [(Int, Int, [Int])] = []
            for d in days {
                if let last = months.last, last.0 == d.year, last.1 == d.month {
                    months[months.count - 1].2.append(d.day)
                } else {
                    months.append((d.year, d.month, [d.day]))
                }
            }
            return .array(months.map { .object([("year", .int($0.0)), ("month", .int($0.1)), ("days", .array($0.2.map { .int($0) }))]) })
        }
        let nested: Bool
        switch config.daysShape {
        case .flat: nested = false
        case .nested: nested = true
        case .legacyRule: nested = q.has("ch") || q.has("timeBegin") || q.has("timeEnd")
        }
        let data: JSONValue
        if nested {
            data = .array(
                channels.map { chid in
                    .object([("chid", .int(chid)), ("data", grouped(schedule.recordedDays(channel: chid, in: span, now: now, utc: utc)))])
                })
        } else {
            let union = Set(channels.flatMap { schedule.recordedDays(channel: $0, in: span, now: now, utc: utc) })
            data = grouped(union.sorted())
        }
        return jsonResponse(
            .object([
                ("timeBegin", .string(formatEcho(span.start, utc: utc))),
                ("timeEnd", .string(formatEcho(span.end - 1, utc: utc))), ("data", data)
            ]), indent: request.indent)
    }

    private func recordingMinutes(_ request: Request, _ principal: Principal) throws -> Response {
        let q = request.query
        guard let begin = try parseTime(q, "timeBegin"), let end = try parseTime(q, "timeEnd") else {
            throw APIError.badRequest("timeBegin and timeEnd are required")
        }
        guard end.seconds > begin.seconds else { throw APIError.badRequest("timeEnd must be after timeBegin") }
        guard end.seconds - begin.seconds <= 31 * 86_400 else { throw APIError.badRequest("The minutes window is limited to 31 days") }
        let channels = try requestedChannels(q, principal: principal)
        let now = clock.now
        let data: [JSONValue] = channels.map { chid in
            .object([
                ("chid", .int(chid)),
                ("minutes", .string(schedule.minutesBitmap(channel: chid, from: begin.seconds, through: end.seconds, now: now)))
            ])
        }
        return jsonResponse(
            .object([
                ("timeBegin", .string(formatEcho(begin.seconds, utc: begin.wasUTC))),
                ("timeEnd", .string(formatEcho(end.seconds, utc: end.wasUTC))), ("data", .array(data))
            ]), indent: request.indent)
    }

    /// How event times are written: v1's local time without offset, or the legacy guide's with
    /// milliseconds and offset.
    enum EventTimeFormat { case v1, legacy }

    func eventLog(_ request: Request, _ principal: Principal, timeFormat: EventTimeFormat = .v1) throws -> Response {
        let q = request.query
        let channels = try requestedChannels(q, principal: principal)
        let (span, _) = try window(q)
        let at = max(0, q.int("at") ?? 0)
        let maxCount = min(max(1, q.int("maxCount") ?? 50), 1000)
        let type = q.int("type")
        let reported = span.clamped(to: TimeSpan(span.start, clock.now + 1)).map(systemLog.events(in:)) ?? []
        var events = (schedule.events(in: span, now: clock.now) + reported).sorted { ($0.begin, $0.id) < ($1.begin, $1.id) }.filter { e in
            (type == nil || e.type == type) && (e.chid.map { channels.contains($0) } ?? !q.has("ch"))
        }
        if (q["sort"] ?? "desc").lowercased() != "asc" { events.reverse() }
        let page = events.dropFirst(at).prefix(maxCount)
        return jsonResponse(
            .object([("totalCount", .int(events.count)), ("at", .int(at)), ("data", .array(page.map { eventJSON($0, timeFormat) }))]),
            indent: request.indent)
    }

    private func eventJSON(_ e: RecorderEvent, _ timeFormat: EventTimeFormat) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(e.id)), ("type", .int(e.type)), ("typeName", .string(EventCatalog.typeName(e.type))),
            ("code", .int(e.code)), ("codeName", .string(EventCatalog.codeName(type: e.type, code: e.code)))
        ]
        if let chid = e.chid { fields.append(("chid", .int(chid))) }
        func format(_ seconds: UnixSeconds) -> String {
            timeFormat == .v1 ? time.formatLocal(seconds) : time.formatLocalWithOffset(seconds)
        }
        var range: [JSONValue] = [.string(format(e.begin))]
        if let end = e.end { range.append(.string(format(end))) }
        fields.append(("timeRange", .array(range)))
        return .object(fields)
    }
}
