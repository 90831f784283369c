import Foundation
import HTTPTypes
import NIOHTTP1

/// The credential to put on one request: an API key, a JWT access token, or — on the legacy
/// API, which has neither — `base64(user:pass)` itself.
public enum AuthMaterial: Sendable {
    case apiKey(Secret)
    case bearer(Secret)
    case password(Secret)

    /// Header form for REST, sockets and downloads.
    func apply(to headers: inout HTTPHeaders) {
        switch self {
        case .apiKey(let key): headers.replaceOrAdd(name: "X-API-Key", value: key.reveal())
        case .bearer(let token): headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.reveal())")
        case .password(let basic): headers.replaceOrAdd(name: "Authorization", value: "Basic \(basic.reveal())")
        }
    }

    /// Header form for the WebSocket client (export and event sockets).
    var socketHeaders: HTTPFields {
        switch self {
        case .apiKey(let key): [HTTPField.Name("X-API-Key")!: key.reveal()]
        case .bearer(let token): [.authorization: "Bearer \(token.reveal())"]
        case .password(let basic): [.authorization: "Basic \(basic.reveal())"]
        }
    }

    /// Query form (`apikey=` / `token=`, the legacy `auth=`) that sockets and media URLs also
    /// accept (§2.1). Never logged: `Redaction.path` masks all three where a URL is printed.
    var queryItem: String {
        switch self {
        case .apiKey(let key): return "apikey=\(QueryEncoding.encode(key.reveal()))"
        case .bearer(let token): return "token=\(QueryEncoding.encode(token.reveal()))"
        case .password(let basic): return "auth=\(QueryEncoding.encode(basic.reveal()))"
        }
    }
}

/// Holds the login state of one recorder. API keys are used as they are; with user and
/// password the actor logs in, refreshes shortly before expiry (and once after a 401),
/// stores the rotated refresh token, logs in again when refreshing fails, and logs out at
/// the end.
actor SessionAuth {
    private let settings: ConnectionSettings
    private let transport: HTTPTransport
    private var apiKey: Secret?
    private var access: (token: Secret, expires: ContinuousClock.Instant)?
    private var refreshToken: Secret?
    /// Counts token refreshes and logins, for tests and run reports.
    private(set) var refreshes = 0
    private(set) var logins = 0

    init(settings: ConnectionSettings, transport: HTTPTransport) {
        self.settings = settings
        self.transport = transport
    }

    /// The credential for the next request, refreshing the access token when it is close to
    /// expiry (a tenth of its lifetime, at most 60 s, before).
    func current() async throws -> AuthMaterial {
        if settings.dialect == .legacy { return try legacyPassword() }
        switch settings.credential {
        case .apiKey(let source):
            if apiKey == nil { apiKey = try source.resolve() }
            return .apiKey(apiKey!)
        case .userPassword(let user, let password):
            if let access, ContinuousClock.now < access.expires { return .bearer(access.token) }
            if access != nil, refreshToken != nil, (try? await refresh()) != nil { return .bearer(self.access!.token) }
            try await login(user: user, password: try password.resolve())
            return .bearer(access!.token)
        }
    }

    /// After a 401 with `used`: force a refresh (or a new login) unless another request
    /// already replaced that token. Returns false for API keys, where a 401 is final.
    func recover(from used: AuthMaterial) async throws -> Bool {
        guard case .bearer(let token) = used, case .userPassword(let user, let password) = settings.credential else { return false }
        if let access, access.token != token { return true }
        access = nil
        if refreshToken != nil, (try? await refresh()) != nil { return true }
        try await login(user: user, password: try password.resolve())
        return true
    }

    /// The legacy API's credential: user and password, base64, on every request (no login,
    /// nothing to refresh). API keys do not exist on recorders before v3.0.
    private func legacyPassword() throws -> AuthMaterial {
        guard case .userPassword(let user, let password) = settings.credential else {
            throw TSAPIError.invalidSettings(
                "\(settings.name) speaks the legacy API (a recorder before v3.0), which has no API keys: configure user and password")
        }
        return .password(Secret(Data("\(user):\(try password.resolve().reveal())".utf8).base64EncodedString()))
    }

    private func login(user: String, password: Secret) async throws {
        let basic = Data("\(user):\(password.reveal())".utf8).base64EncodedString()
        let body = try JSONSerialization.data(withJSONObject: ["auth": basic])
        let answer = try await transport.send(.POST, "/api/v1/auth/login", headers: [:], body: Array(body))
        guard answer.status == 200 else {
            throw answer.status == 401 || answer.status == 403
                ? TSAPIError.unauthorized(server: settings.name, path: "/api/v1/auth/login")
                : TSAPIError.httpStatus(server: settings.name, path: "/api/v1/auth/login", status: answer.status, message: nil)
        }
        try store(answer, path: "/api/v1/auth/login")
        logins += 1
    }

    private func refresh() async throws {
        guard let refreshToken else { return }
        let body = try JSONSerialization.data(withJSONObject: ["refreshToken": refreshToken.reveal()])
        let answer = try await transport.send(.POST, "/api/v1/auth/refresh", headers: [:], body: Array(body))
        guard answer.status == 200 else {
            self.refreshToken = nil
            throw TSAPIError.unauthorized(server: settings.name, path: "/api/v1/auth/refresh")
        }
        try store(answer, path: "/api/v1/auth/refresh")
        refreshes += 1
    }

    /// Keeps the new tokens; a refresh answer without `refreshToken` keeps the old one (§8.3).
    private func store(_ answer: HTTPAnswer, path: String) throws {
        let reader = JSONReader(server: settings.name, path: path)
        let object = try reader.object(try reader.parse(answer.body), "the token answer")
        guard let token = object.string("accessToken"), !token.isEmpty else { throw reader.malformed("no accessToken") }
        let lifetime = Double(object.int("expiresIn") ?? 3600)
        let margin = min(60, lifetime / 10)
        access = (Secret(token), ContinuousClock.now + .seconds(max(1, lifetime - margin)))
        if let rotated = object.string("refreshToken"), !rotated.isEmpty { refreshToken = Secret(rotated) }
    }

    /// Revokes the refresh token on shutdown; failures only matter to the recorder.
    func logout() async {
        guard let refreshToken, let body = try? JSONSerialization.data(withJSONObject: ["refreshToken": refreshToken.reveal()]) else {
            return
        }
        var headers = HTTPHeaders()
        if let access { AuthMaterial.bearer(access.token).apply(to: &headers) }
        _ = try? await transport.send(.POST, "/api/v1/auth/logout", headers: headers, body: Array(body))
        self.refreshToken = nil
        access = nil
    }
}

enum QueryEncoding {
    /// Percent-encodes a query value, `+` included (§1.3: an unencoded `+` becomes a space).
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
