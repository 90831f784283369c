import Hummingbird

extension Request {
    var query: QueryString { QueryString(uri.query) }
    var indent: Int { query.int("indent") ?? 0 }

    func jsonBody(context: some RequestContext) async throws -> [String: Any] {
        var copy = self
        let buffer = try await copy.collectBody(upTo: 1 << 20)
        guard let object = parseJSONObject(Array(buffer.readableBytesView)) else {
            throw APIError.badRequest("Request body must be a JSON object")
        }
        return object
    }
}

extension SimulatorState {
    func require(_ permission: Permission?, _ request: Request, placement: CredentialPlacement = .rest) async throws -> Principal {
        try await authenticator.require(permission, headers: request.headers, query: request.query, placement: placement)
    }

    /// Channels asked for with `ch=` (all when absent), each checked to exist and be allowed.
    func requestedChannels(_ query: QueryString, principal: Principal) throws -> [Int] {
        guard let asked = try query.channelList() else {
            return schedule.channelIDs.filter { principal.allows(channel: $0) }
        }
        for chid in asked {
            guard schedule.channelIDs.contains(chid) else { throw APIError.badRequest("Invalid channel: \(chid)") }
            guard principal.allows(channel: chid) else { throw APIError(.forbidden, "Forbidden: API key is not allowed channel \(chid)") }
        }
        return asked
    }

    func parseTime(_ query: QueryString, _ key: String) throws -> ParsedTime? {
        guard let raw = query[key] else { return nil }
        guard let parsed = time.parse(raw) else { throw APIError.badRequest("Invalid \(key): '\(raw)' is not an ISO 8601 time") }
        return parsed
    }

    func formatEcho(_ seconds: UnixSeconds, utc: Bool) -> String {
        utc ? ServerTime.formatUTC(milliseconds: seconds * 1000) : time.formatLocal(seconds)
    }
}
