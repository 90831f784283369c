import Archive
import CoverageReport
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TSAPI

/// Who may read the daemon's /ui and /status: anyone who can reach a loopback address (local
/// users, an SSH tunnel, a reverse proxy on the host), only bearers of the configured token on
/// any other address, and nobody on another address when no token is configured.
public enum UIAccess: Sendable {
    case open
    case token(Secret)
    case off(host: String)

    /// The access for a daemon listening on `host`: a token, when configured, is always required.
    public static func decide(host: String, token: Secret?) -> UIAccess {
        if let token { return .token(token) }
        return isLoopback(host) ? .open : .off(host: host)
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// Whether a request with this Authorization header may read the page.
    func admits(_ authorization: String?) -> Bool {
        switch self {
        case .open: return true
        case .off: return false
        case .token(let token):
            guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
            // Compared as digests, so the time taken does not tell how much of a guess was right.
            let given = SHA256.hash(data: Data(authorization.dropFirst("Bearer ".count).utf8))
            let wanted = SHA256.hash(data: Data(token.reveal().utf8))
            return zip(given, wanted).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}

/// /ui (the coverage page) and /status (the report it draws, as JSON), read-only, built from
/// the index on each request: the last `days` days in `zone`, or what `?days=`, `?server=`
/// and `?channel=` ask for.
public struct CoverageEndpoints: Sendable {
    public let archive: Archive
    public let access: UIAccess
    public let days: Int
    public let zone: TimeZone

    public init(archive: Archive, access: UIAccess, days: Int, zone: TimeZone) {
        self.archive = archive
        self.access = access
        self.days = days
        self.zone = zone
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("ui") { request, _ in try await respond(request, html: true) }
        router.get("status") { request, _ in try await respond(request, html: false) }
    }

    private func respond(_ request: Request, html: Bool) async throws -> Response {
        if case .off(let host) = access {
            return Self.text(
                .forbidden,
                "the coverage page is off: the daemon listens on \(host), not on a loopback address, and daemon.uiToken is not configured\n"
            )
        }
        guard access.admits(request.headers[.authorization]) else {
            var response = Self.text(.unauthorized, "this page needs Authorization: Bearer <daemon.uiToken>\n")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"tsvault\""
            return response
        }
        let query: CoverageReport.Request
        switch reportRequest(request.uri.queryParameters) {
        case .success(let asked): query = asked
        case .failure(let error): return Self.text(.badRequest, error.message + "\n")
        }
        let archive = self.archive
        // The index is read with blocking calls: off the cooperative pool, which serves the nightly job.
        let body: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let report = try CoverageReport.build(archive, query)
                        return html ? try CoveragePage.html(report) : try CoveragePage.json(report)
                    })
            }
        }
        var headers: HTTPFields = [
            .contentType: html ? "text/html; charset=utf-8" : "application/json", .cacheControl: "no-store",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer"
        ]
        if html {
            headers[HTTPField.Name("Content-Security-Policy")!] = CoveragePage.contentSecurityPolicy + "; frame-ancestors 'none'"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    struct QueryError: Error {
        var message: String
    }

    /// The report a request asks for; a bad parameter is a 400 naming it.
    func reportRequest(_ parameters: Parameters, now: Date = Date()) -> Result<CoverageReport.Request, QueryError> {
        var days = self.days
        if let text = parameters.get("days") {
            guard let value = Int(text), (1...366).contains(value) else {
                return .failure(QueryError(message: "days must be 1...366, not \(text)"))
            }
            days = value
        }
        var channel: Int?
        if let text = parameters.get("channel") {
            guard let value = Int(text), value >= 1 else {
                return .failure(QueryError(message: "channel must be a channel number, not \(text)"))
            }
            channel = value
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let from = calendar.date(byAdding: .day, value: 1 - days, to: calendar.startOfDay(for: now))!
        var query = CoverageReport.Request(server: parameters.get("server"), channel: channel, from: from, to: now, zone: zone)
        query.runLimit = 10
        return .success(query)
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
