import Crypto
import Foundation

/// Credentials of the simulated recorder: the admin user, issued tokens and API keys.
/// Token lifetimes use the real clock (the recording clock may be frozen for tests).
public actor AuthStore {
    public struct APIKeyRecord: Sendable {
        public var id: String
        public var key: String
        public var name: String
        public var permissions: Set<Permission>
        public var channels: [Int]?
        public var ipWhitelist: [String]?
        public var expiresAt: Int64?
        public var createdAt: Int64
    }

    private struct RefreshRecord {
        var username: String
        var expires: Int64
    }

    public enum LoginFailure: Error { case badCredentials, malformed }

    private let username: String
    private let password: String
    private let signer = JWTSigner(key: SymmetricKey(size: .bits256))
    private var accessTTL: Int64
    private let refreshTTL: Int64
    private var refreshTokens: [String: RefreshRecord] = [:]
    private var revokedAccessIDs: Set<String> = []
    /// Ids of the access tokens issued so far, and those expired early by fault injection.
    private var issuedAccessIDs: Set<String> = []
    private var expiredAccessIDs: Set<String> = []
    private var keys: [String: APIKeyRecord] = [:]

    public init(username: String, password: String, accessTTL: Int, refreshTTL: Int) {
        self.username = username
        self.password = password
        self.accessTTL = Int64(accessTTL)
        self.refreshTTL = Int64(refreshTTL)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: JWT

    public struct TokenPair: Sendable {
        public var accessToken: String
        public var refreshToken: String
        public var expiresIn: Int64
        public var role: String
        public var username: String
    }

    /// Login with `base64(user:pass)`.
    public func login(auth: String) throws -> TokenPair {
        guard let data = Data(base64Encoded: auth.trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else {
            throw LoginFailure.malformed
        }
        let user = String(text[..<colon])
        let pass = String(text[text.index(after: colon)...])
        guard user == username, pass == password else { throw LoginFailure.badCredentials }
        return try issue(for: user)
    }

    /// Rotation: the presented refresh token is revoked and a new one issued.
    public func refresh(_ token: String) throws -> TokenPair {
        guard let record = refreshTokens.removeValue(forKey: token), record.expires > Self.now() else {
            throw LoginFailure.badCredentials
        }
        return try issue(for: record.username)
    }

    public func logout(refreshToken: String) -> Bool {
        refreshTokens.removeValue(forKey: refreshToken) != nil
    }

    private func issue(for user: String) throws -> TokenPair {
        let now = Self.now()
        let claims = JWTSigner.Claims(sub: user, role: "admin", iat: now, exp: now + accessTTL, jti: randomToken(bytes: 9))
        let refresh = "rt_" + randomToken()
        issuedAccessIDs.insert(claims.jti)
        refreshTokens[refresh] = RefreshRecord(username: user, expires: now + refreshTTL)
        return TokenPair(accessToken: try signer.sign(claims), refreshToken: refresh, expiresIn: accessTTL, role: "admin", username: user)
    }

    public enum Verdict: Sendable {
        case valid(Principal)
        case invalid, expired
    }

    public func verifyAccessToken(_ token: String) -> Verdict {
        guard let claims = signer.verify(token), !revokedAccessIDs.contains(claims.jti) else { return .invalid }
        if claims.exp <= Self.now() || expiredAccessIDs.contains(claims.jti) { return .expired }
        return .valid(Principal(kind: .user(name: claims.sub, role: claims.role), permissions: [.all], channels: nil))
    }

    /// Makes every access token issued so far expire now (fault injection); refresh still works.
    public func expireAllAccessTokens() { expiredAccessIDs.formUnion(issuedAccessIDs) }

    public func setAccessTTL(_ seconds: Int) { accessTTL = Int64(seconds) }

    // MARK: Legacy API (before v3.0): the password itself, or a session opened with it

    /// The user of `base64(user:pass)` (`?auth=`, `?login=`, HTTP Basic), nil when wrong.
    public func verifyPassword(auth: String) -> Principal? {
        guard let data = Data(base64Encoded: auth.trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":"),
            constantTimeEqual(String(text[..<colon]), username), constantTimeEqual(String(text[text.index(after: colon)...]), password)
        else { return nil }
        return Principal(kind: .user(name: username, role: "admin"), permissions: [.all], channels: nil)
    }

    private var sessions: [String: Principal] = [:]

    /// A session cookie value for `principal` (`/api/auth?login=`).
    public func openSession(_ principal: Principal) -> String {
        let id = randomToken()
        sessions[id] = principal
        return id
    }

    public func session(_ id: String) -> Principal? { sessions[id] }

    public func closeSession(_ id: String) { sessions[id] = nil }

    // MARK: API keys

    public func createKey(
        name: String, permissions: Set<Permission>, channels: [Int]?, ipWhitelist: [String]?, expiresAt: Int64?, key: String? = nil
    ) -> APIKeyRecord {
        let record = APIKeyRecord(
            id: "key_" + randomToken(bytes: 6), key: key ?? "tsapi_key_" + randomToken(),
            name: name, permissions: permissions, channels: channels, ipWhitelist: ipWhitelist,
            expiresAt: expiresAt, createdAt: Self.now())
        keys[record.id] = record
        return record
    }

    public func listKeys() -> [APIKeyRecord] {
        keys.values.sorted { $0.createdAt == $1.createdAt ? $0.id < $1.id : $0.createdAt < $1.createdAt }
    }

    public func deleteKey(id: String) -> Bool { keys.removeValue(forKey: id) != nil }

    public func verifyAPIKey(_ key: String) -> Verdict {
        guard let record = keys.values.first(where: { constantTimeEqual($0.key, key) }) else { return .invalid }
        if let expires = record.expiresAt, expires <= Self.now() { return .expired }
        return .valid(
            Principal(
                kind: .apiKey(id: record.id, name: record.name), permissions: record.permissions,
                channels: record.channels.map(Set.init)))
    }
}

/// Compares secrets without an early exit, so timing does not leak a prefix match.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}
