import Crypto
import Foundation

/// Minimal HS256 JSON Web Tokens: the access tokens a TS-API server hands out.
struct JWTSigner: Sendable {
    struct Claims: Codable, Sendable {
        var sub: String
        var role: String
        var iat: Int64
        var exp: Int64
        var jti: String
    }

    let key: SymmetricKey

    func sign(_ claims: Claims) throws -> String {
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = base64URL(try JSONEncoder().encode(claims))
        let signingInput = header + "." + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + base64URL(Data(mac))
    }

    /// The claims of a token whose signature is valid; expiry is the caller's to check.
    func verify(_ token: String) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = fromBase64URL(String(parts[2])) else { return nil }
        let signingInput = Data((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key),
            let payload = fromBase64URL(String(parts[1]))
        else { return nil }
        return try? JSONDecoder().decode(Claims.self, from: payload)
    }
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

func fromBase64URL(_ text: String) -> Data? {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s)
}

/// Random URL-safe text for refresh tokens, key ids and API keys.
func randomToken(bytes: Int = 24) -> String {
    var generator = SystemRandomNumberGenerator()
    return base64URL(Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }))
}
