import Hummingbird

/// /api/v1/info and the channel endpoints.
extension SimulatorState {
    static let channelTitles = ["Front Door", "Parking Lot", "", "Loading Dock", "Lobby", "Warehouse", "Back Gate", "Server Room"]

    func channelTitle(_ chid: Int) -> String { Self.channelTitles[(chid - 1) % Self.channelTitles.count] }

    func displayName(_ chid: Int) -> String {
        let title = channelTitle(chid)
        return title.isEmpty ? "CH\(chid)" : "CH\(chid). \(title)"
    }

    func addInfoRoutes(to router: Router<BasicRequestContext>) {
        router.get("api/v1/info") { request, _ in try await self.info(request) }
        let channel = router.group("api/v1/channel")
        channel.get { request, _ in
            let principal = try await self.require(.remote, request)
            let ids = try self.requestedChannels(request.query, principal: principal)
            return jsonResponse(
                .array(
                    ids.map { chid in
                        var fields: [(String, JSONValue)] = [
                            ("chid", .int(chid)), ("title", .string(self.channelTitle(chid))),
                            ("displayName", .string(self.displayName(chid)))
                        ]
                        if request.query.has("staticSrc") {
                            fields.append(
                                (
                                    "src",
                                    .array([
                                        .object([
                                            ("protocol", .string("rtmp")), ("profile", .string("main")),
                                            ("src", .string("rtmp://\(self.config.host)/live/ch\(chid)main")),
                                            ("type", .string("rtmp/mp4")),
                                            ("label", .string("\(self.config.height)p")),
                                            ("size", .array([.int(self.config.width), .int(self.config.height)]))
                                        ])
                                    ])
                                ))
                        }
                        if request.query.has("caps") {
                            fields.append(("caps", .object([("pantilt", .bool(false)), ("zoom", .bool(false)), ("relayOutputs", .int(0))])))
                        }
                        return .object(fields)
                    }), indent: request.indent)
        }
        channel.get("status") { request, _ in
            let principal = try await self.require(.remote, request)
            let ids = try self.requestedChannels(request.query, principal: principal)
            return jsonResponse(.array(ids.map { self.channelStatus($0) }), indent: request.indent)
        }
        channel.get("info") { request, _ in
            let principal = try await self.require(.remote, request)
            let ids = try self.requestedChannels(request.query, principal: principal)
            return jsonResponse(
                .array(ids.map { .object([("chid", .int($0)), ("codec", .string(self.config.codec.rawValue))]) }), indent: request.indent)
        }
    }

    private func info(_ request: Request) async throws -> Response {
        let q = request.query
        let all = q.has("all")
        let flags = ["apiVersion", "siteName", "timezone", "product", "license", "whoAmI"]
        let anyFlag = all || flags.contains { q.has($0) }
        func wants(_ key: String) -> Bool { !anyFlag || all || q.has(key) }
        var fields: [(String, JSONValue)] = []
        if wants("apiVersion") { fields.append(("apiVersion", .string("TS-API@1.0.1"))) }
        if wants("siteName") { fields.append(("siteName", .string(config.siteName))) }
        if wants("timezone") {
            fields.append(
                ("timezone", .object([("name", .string(config.timeZone.identifier)), ("bias", .string(time.bias(at: clock.now)))])))
        }
        if wants("product") { fields.append(("product", .object([("name", .string("TS-NVR")), ("version", .string("2.14.1"))]))) }
        if wants("license") {
            fields.append(
                (
                    "license",
                    .object([
                        ("type", .string("genuine")), ("maxChannels", .int(64)),
                        ("mediaType", .string("Software")), ("extension", .array([]))
                    ])
                ))
        }
        guard all || q.has("whoAmI") else { return jsonResponse(.object(fields), indent: request.indent) }
        // whoAmI needs a JWT; unauthenticated `?all` answers 401 with the rest of the body (guide §3.1).
        let principal = try? await authenticator.authenticate(headers: request.headers, query: q, placement: .rest)
        guard let principal, case .user(let name, let role) = principal.kind else {
            return jsonResponse(.object(fields), status: .unauthorized, indent: request.indent)
        }
        fields.append(
            (
                "whoAmI",
                .object([
                    ("uid", .string(name)), ("name", .string(name)),
                    ("accessRights", .object([("role", .string(role)), ("all", .bool(true))]))
                ])
            ))
        return jsonResponse(.object(fields), indent: request.indent)
    }

    private func channelStatus(_ chid: Int) -> JSONValue {
        let now = clock.now
        let offline = schedule.outages(channel: chid, in: TimeSpan(now - 1, now + 1)).isEmpty == false
        let recording = !schedule.recordings(channel: chid, in: TimeSpan(now - Int64(config.gopSeconds) * 2, now + 1), now: now + 1).isEmpty
        if config.legacyChannelStatus {
            return .object([
                ("chid", .int(chid)),
                ("status", .object([("code", .int(offline ? 404 : 200)), ("message", .string(offline ? "No network" : "Connected"))])),
                ("recordingStatus", .object([("streaming", .bool(!offline)), ("recording", .bool(recording))]))
            ])
        }
        var status: [(String, JSONValue)] = [("code", .int(offline ? -1 : 0))]
        status.append(("message", .string(offline ? "Disconnected" : "Connected")))
        return .object([
            ("chid", .int(chid)), ("title", .string(channelTitle(chid))), ("displayName", .string(displayName(chid))),
            ("status", .object(status)), ("recording", .bool(recording))
        ])
    }
}
