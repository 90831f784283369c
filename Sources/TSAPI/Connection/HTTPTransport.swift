import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One HTTP answer with its body read in full (REST answers are small).
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Real HTTP(S) to one recorder through AsyncHTTPClient, with the TLS policy of its settings
/// and every transport failure mapped to a `TSAPIError` that names the server.
struct HTTPTransport: Sendable {
    let settings: ConnectionSettings
    let client: HTTPClient

    static func make(_ settings: ConnectionSettings) throws -> HTTPTransport {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try TLSPolicy.configuration(for: settings),
            timeout: .init(connect: TimeAmount(settings.connectTimeout), read: TimeAmount(settings.requestTimeout)))
        configuration.httpVersion = .http1Only
        return HTTPTransport(
            settings: settings, client: HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration))
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Absolute URL for `path` (which may carry a query) on the configured base URL.
    func url(_ pathAndQuery: String) -> String {
        var base = settings.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + (pathAndQuery.hasPrefix("/") ? pathAndQuery : "/" + pathAndQuery)
    }

    func request(_ method: HTTPMethod, _ pathAndQuery: String, headers: HTTPHeaders, body: [UInt8]? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(pathAndQuery))
        request.method = method
        request.headers = headers
        request.headers.replaceOrAdd(name: "X-Host", value: settings.hostHeader)
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Sends a request and reads up to 64 MiB of answer.
    func send(_ method: HTTPMethod, _ pathAndQuery: String, headers: HTTPHeaders, body: [UInt8]? = nil) async throws -> HTTPAnswer {
        let req = request(method, pathAndQuery, headers: headers, body: body)
        let what = "\(method.rawValue) \(Redaction.path(pathAndQuery))"
        do {
            let response = try await client.execute(req, timeout: TimeAmount(settings.requestTimeout))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch {
            throw mapTransportError(error, what: what)
        }
    }

    /// Opens a streaming response (downloads); the caller reads the body. Connect and every
    /// read are bounded by the client's configuration (a peer that goes silent mid-body is a
    /// read timeout); the whole transfer by the export session bound.
    func stream(_ pathAndQuery: String, headers: HTTPHeaders) async throws -> HTTPClientResponse {
        let req = request(.GET, pathAndQuery, headers: headers)
        do {
            return try await client.execute(req, timeout: TimeAmount(settings.exportTimeouts.session))
        } catch {
            throw mapTransportError(error, what: "GET \(Redaction.path(pathAndQuery))")
        }
    }

    func mapTransportError(_ error: any Error, what: String) -> TSAPIError {
        if let mapped = error as? TSAPIError { return mapped }
        if error is CancellationError { return .timedOut(server: settings.name, what: "\(what) (cancelled)") }
        if let sslError = error as? NIOSSLError { return .tls(server: settings.name, detail: "\(sslError)") }
        if let http = error as? HTTPClientError {
            switch http {
            case .readTimeout, .deadlineExceeded, .connectTimeout, .getConnectionFromPoolTimeout:
                return .timedOut(server: settings.name, what: what)
            case .tlsHandshakeTimeout:
                return .tls(server: settings.name, detail: "handshake timed out")
            default:
                return .unreachable(server: settings.name, detail: "\(what): \(http)")
            }
        }
        let text = String(describing: error)
        if text.contains("certificate") || text.contains("SSL") || text.contains("handshake") {
            return .tls(server: settings.name, detail: text)
        }
        return .unreachable(server: settings.name, detail: "\(what): \(text)")
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Strips credentials from anything that is about to be logged or put in an error.
enum Redaction {
    static let secretParameters: Set<String> = ["apikey", "token", "auth", "password", "session"]

    /// `/download/t/f.mp4?apikey=abc` → `/download/t/f.mp4?apikey=<secret>`.
    static func path(_ pathAndQuery: String) -> String {
        guard let q = pathAndQuery.firstIndex(of: "?") else { return pathAndQuery }
        let query = pathAndQuery[pathAndQuery.index(after: q)...].split(separator: "&").map { pair -> String in
            let key = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return secretParameters.contains(key.lowercased()) ? "\(key)=<secret>" : String(pair)
        }
        return String(pathAndQuery[..<q]) + "?" + query.joined(separator: "&")
    }
}
