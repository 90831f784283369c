import Foundation

/// How to reach and authenticate to one recorder.
public struct ConnectionSettings: Sendable {
    /// A short name for logs, errors and reports (never the URL's credentials).
    public var name: String
    /// `http(s)://host:port`; paths are appended.
    public var baseURL: URL
    public var credential: Credential
    public var tls: TLSSettings
    /// Timeout of one REST request or one download attempt without progress.
    public var requestTimeout: Duration
    /// Timeout of establishing one TCP (and TLS) connection.
    public var connectTimeout: Duration = .seconds(10)
    /// Bounds on export sessions (first message, idle, whole session); the whole-session bound
    /// also caps one download.
    public var exportTimeouts = ExportTimeouts()
    public var retry: RetryPolicy
    /// The API the recorder speaks; nil asks the recorder when the client connects (v1's
    /// `/api/v1/info` first, then the legacy `/api/info`). A connected client's settings
    /// always name it.
    public var api: APIDialect? = .v1

    /// The dialect of a connected client (resolved by `TSAPIClient.withClient`).
    var dialect: APIDialect { api ?? .v1 }

    public enum Credential: Sendable {
        case apiKey(SecretSource)
        case userPassword(user: String, password: SecretSource)
    }

    public init(
        name: String, baseURL: URL, credential: Credential, tls: TLSSettings = .init(),
        requestTimeout: Duration = .seconds(30), retry: RetryPolicy = .init()
    ) {
        self.name = name
        self.baseURL = baseURL
        self.credential = credential
        self.tls = tls
        self.requestTimeout = requestTimeout
        self.retry = retry
    }

    /// `host:port` as the recorder wants it in `X-Host`.
    var hostHeader: String {
        let host = baseURL.host ?? "localhost"
        let port = baseURL.port ?? (baseURL.scheme == "https" ? 443 : 80)
        return "\(host):\(port)"
    }

    var isTLS: Bool { baseURL.scheme == "https" }

    /// The WebSocket base: ws for http, wss for https.
    var webSocketBase: String {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.scheme = isTLS ? "wss" : "ws"
        components.path = ""
        return components.string!
    }
}

/// TS-API v1 (recorders from v3.0) or the legacy query-string API of older ones: other paths
/// for the same questions, the password itself as the credential (`?auth=base64(user:pass)`),
/// and the export socket at `/wsapi/dataExport`.
public enum APIDialect: String, Sendable, Codable, CaseIterable {
    case v1, legacy

    var infoPath: String { self == .v1 ? "/api/v1/info" : "/api/info" }
    var exportSocketPath: String { self == .v1 ? "/wsapi/v1/export" : "/wsapi/dataExport" }
}

/// TLS trust for one recorder. Verification is always on.
public struct TLSSettings: Sendable, Hashable {
    /// PEM file with the CA, or the recorder's own self-signed certificate, to trust instead
    /// of the system roots; the certificate must still name the host in the base URL.
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }
}
