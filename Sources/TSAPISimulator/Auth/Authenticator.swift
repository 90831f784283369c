import Foundation
import HTTPTypes

/// Which credential carriers an endpoint accepts (protocol reference §2.1).
public enum CredentialPlacement: Sendable {
    /// v1 REST: `X-API-Key`, `Authorization: Bearer`, `?apikey=`.
    case rest
    /// Sockets and media (`/download`): additionally `?token=`.
    case socketOrMedia
}

/// Turns the credentials of a request into a principal, or the TS-API error to answer.
struct Authenticator: Sendable {
    let store: AuthStore
    let rejectJWTOnData: Bool

    func authenticate(headers: HTTPFields, query: QueryString, placement: CredentialPlacement) async throws(APIError) -> Principal {
        var sawExpired = false
        for credential in credentials(headers: headers, query: query, placement: placement) {
            let verdict: AuthStore.Verdict
            switch credential {
            case .apiKey(let key): verdict = await store.verifyAPIKey(key)
            case .token(let token): verdict = await store.verifyAccessToken(token)
            }
            switch verdict {
            case .valid(let principal):
                if rejectJWTOnData && principal.isJWT && placement == .rest {
                    throw APIError(.unauthorized, "JWT tokens only work on /api/v1/auth/*; use an API key")
                }
                return principal
            case .expired: sawExpired = true
            case .invalid: continue
            }
        }
        throw sawExpired ? APIError.tokenExpired : APIError.unauthorized
    }

    /// Checks both the credential and the permission: 401 without a valid credential,
    /// 403 with one that lacks the permission.
    func require(
        _ permission: Permission?, headers: HTTPFields, query: QueryString, placement: CredentialPlacement
    ) async throws(APIError) -> Principal {
        let principal = try await authenticate(headers: headers, query: query, placement: placement)
        if let permission, !principal.allows(permission) { throw APIError.forbidden(permission) }
        return principal
    }

    private enum Credential {
        case apiKey(String)
        case token(String)
    }

    private func credentials(headers: HTTPFields, query: QueryString, placement: CredentialPlacement) -> [Credential] {
        var found: [Credential] = []
        // Every X-API-Key field and every comma-separated value in one: a client library adding
        // a default header and a caller adding it again send it twice (HTTP joins them with ", ").
        var keys: [String] = []
        for field in headers[values: .xAPIKey] {
            for key in field.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !key.isEmpty && !keys.contains(key) {
                keys.append(key)
            }
        }
        found += keys.map { .apiKey($0) }
        if let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            found.append(.token(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
        }
        if let key = query["apikey"], !key.isEmpty { found.append(.apiKey(key)) }
        if placement == .socketOrMedia, let token = query["token"], !token.isEmpty { found.append(.token(token)) }
        return found
    }
}

extension HTTPField.Name {
    static let xAPIKey = HTTPField.Name("X-API-Key")!
    static let xHost = HTTPField.Name("X-Host")!
}
