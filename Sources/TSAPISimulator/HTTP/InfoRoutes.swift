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
                        if request.query.has("caps") { fields.append(("caps", self.cameraCaps)) }
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
            return jsonResponse(.array(ids.map { self.channelInfo($0, caps: request.query.has("caps")) }), indent: request.indent)
        }
        // One channel (guide §6.3). The guide shows no body for either form: this one answers the
        // list's shape with that channel alone.
        channel.get(":id/info") { request, context in
            let principal = try await self.require(.remote, request)
            guard let chid = context.parameters.get("id", as: Int.self), self.schedule.channelIDs.contains(chid) else {
                throw APIError(.notFound, "Channel not found")
            }
            guard principal.allows(channel: chid) else { throw APIError(.forbidden, "Forbidden: API key is not allowed channel \(chid)") }
            return jsonResponse(.array([self.channelInfo(chid, caps: request.query.has("caps"))]), indent: request.indent)
        }
    }

    /// Which info fields a request asks for, in v1 and legacy alike: `?all`, some flags
    /// (`?apiVersion&timezone`), or none (all of them).
    struct InfoFlags {
        let query: QueryString
        var all: Bool { query.has("all") }

        func wants(_ key: String) -> Bool {
            let flags = ["apiVersion", "siteName", "timezone", "product", "license", "whoAmI"]
            return all || query.has(key) || !flags.contains { query.has($0) }
        }
    }

    private func info(_ request: Request) async throws -> Response {
        let q = request.query
        let flags = InfoFlags(query: q)
        let all = flags.all
        func wants(_ key: String) -> Bool { flags.wants(key) }
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
        // whoAmI describes a signed-in user: unauthenticated, `?all` answers 401 with the rest of
        // the body (guide §4). An API key is authenticated but is no user: the guide is silent;
        // `?all` then answers 200 without whoAmI, `?whoAmI` alone 401.
        let principal = try? await authenticator.authenticate(headers: request.headers, query: q, placement: .rest)
        guard let principal, case .user(let name, let role) = principal.kind else {
            let keyOnly = principal != nil && all
            return jsonResponse(.object(fields), status: keyOnly ? .ok : .unauthorized, indent: request.indent)
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

    /// A fixed bullet camera: no PTZ, no relays.
    private var cameraCaps: JSONValue {
        .object([
            ("pantilt", .bool(false)), ("zoom", .bool(false)), ("focus", .bool(false)), ("iris", .bool(false)), ("home", .bool(false)),
            ("maxPreset", .int(0)), ("aux", .int(0)), ("digitalInputs", .int(0)), ("relayOutputs", .int(0)), ("reboot", .bool(true))
        ])
    }

    private func channelInfo(_ chid: Int, caps: Bool) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("chid", .int(chid)), ("title", .string(channelTitle(chid))), ("displayName", .string(displayName(chid))),
            ("codec", .string(config.codec.rawValue)), ("size", .array([.int(config.width), .int(config.height)]))
        ]
        if caps { fields.append(("caps", cameraCaps)) }
        return .object(fields)
    }

    private func channelStatus(_ chid: Int) -> JSONValue {
        let now = clock.now
        let offline = schedule.liveState(channel: chid, at: now).offline
        let recording = isRecording(chid, at: now)
        if config.legacyChannelStatus {
            return .object([
                ("chid", .int(chid)), ("status", connectionStatus(offline: offline)),
                ("recordingStatus", .object([("streaming", .bool(!offline)), ("recording", .bool(recording))]))
            ])
        }
        return .object([
            ("chid", .int(chid)), ("title", .string(channelTitle(chid))), ("displayName", .string(displayName(chid))),
            ("status", connectionStatus(offline: offline)), ("recording", .bool(recording))
        ])
    }
}
