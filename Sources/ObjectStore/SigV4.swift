import Crypto
import Foundation
import HexDigest

/// AWS Signature Version 4 for S3-compatible object stores (Ceph's RADOS gateway, AWS S3,
/// MinIO): the canonical request, the string to sign, the derived key and the Authorization
/// header. Pure: the caller supplies the time, so the published test vectors check it exactly.
public struct SigV4Signer: Sendable, CustomStringConvertible {
    public let accessKeyID: String
    private let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// The secret never appears in logs or errors.
    public var description: String { "SigV4Signer(\(accessKeyID), region: \(region), service: \(service))" }

    /// What signing produced: the header value and, for diagnosis, what was signed.
    public struct Signature: Sendable, Equatable {
        public var authorization: String
        public var signedHeaders: String
        public var canonicalRequest: String
        public var stringToSign: String
    }

    /// Signs a request. `path` is the decoded path (`/bucket/key`); `headers` must include
    /// `host` and `x-amz-date` (see `amzDate`), and for S3 `x-amz-content-sha256`;
    /// `payloadHash` is the hex SHA-256 of the body or `UNSIGNED-PAYLOAD`.
    public func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String, date: Date
    ) -> Signature {
        let canonicalHeaders = Self.canonicalHeaders(headers)
        let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method, Self.canonicalURI(path), Self.canonicalQuery(query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(), signedHeaders, payloadHash
        ].joined(separator: "\n")
        let day = String(Self.amzDate(date).prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", Self.amzDate(date), scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))
        ].joined(separator: "\n")
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
        return Signature(
            authorization: "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)",
            signedHeaders: signedHeaders, canonicalRequest: canonicalRequest, stringToSign: stringToSign)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// `20150830T123600Z`: the form of `x-amz-date` and of the signature's time.
    public static func amzDate(_ date: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return format.string(from: date)
    }

    /// The hex SHA-256 of a body, for `x-amz-content-sha256` and the canonical request.
    public static func payloadHash(_ body: some DataProtocol) -> String { hex(SHA256.hash(data: body)) }

    /// Each byte outside RFC 3986's unreserved set percent-encoded (upper-case hex); S3 encodes
    /// the path once and keeps its slashes, and does not remove dot segments.
    static func canonicalURI(_ path: String) -> String {
        path.isEmpty ? "/" : percentEncoded(path, keepingSlash: true)
    }

    /// Pairs encoded, sorted by key then value, `k=v` joined by `&`.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (percentEncoded($0.0, keepingSlash: false), percentEncoded($0.1, keepingSlash: false)) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Names lower-cased and sorted; values trimmed with runs of spaces made one; repeated
    /// names joined by commas in their order.
    static func canonicalHeaders(_ headers: [(String, String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let squeezed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(squeezed.trimmingCharacters(in: .whitespaces))
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    static func percentEncoded(_ text: String, keepingSlash: Bool) -> String {
        var result = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if (byte < 0x80 && (c.isLetter || c.isNumber)) || "-._~".contains(c) || (keepingSlash && c == "/") {
                result.append(c)
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String { digest.lowercaseHex }
}
