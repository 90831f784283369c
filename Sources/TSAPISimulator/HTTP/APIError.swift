import Hummingbird

/// The TS-API error: an HTTP status with the `{"code":…,"message":…}` body.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: Int
    public var message: String

    public init(_ status: HTTPResponse.Status, code: Int = -1, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    public static let unauthorized = APIError(.unauthorized, "Unauthorized: missing or invalid credentials")
    public static let tokenExpired = APIError(.unauthorized, "Unauthorized: token expired")
    public static func forbidden(_ permission: Permission) -> APIError {
        APIError(.forbidden, "Forbidden: API key lacks the '\(permission.rawValue)' permission")
    }
    public static let notFound = APIError(.notFound, "Not found")
    public static let legacyDisabled = APIError(.notFound, "Legacy API (v0) is disabled. Please use /api/v1/ endpoints.")

    public var body: JSONValue { .object([("code", .int(code)), ("message", .string(message))]) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(body, status: status, indent: QueryString(request.uri.query).int("indent") ?? 0)
    }
}

func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok, indent: Int = 0) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(
        status: status, headers: headers,
        body: .init(byteBuffer: ByteBuffer(string: value.render(indent: min(max(indent, 0), 8)))))
}
