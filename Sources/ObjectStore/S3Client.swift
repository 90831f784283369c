import AsyncHTTPClient
import Crypto
import Foundation
import HexDigest
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Where a bucket is: the endpoint (`http://127.0.0.1:7480`, `https://s3.eu-west-1.amazonaws.com`),
/// its region, and whether the bucket goes in the path (`/bucket/key`, Ceph and MinIO) or the
/// host name (`bucket.s3.amazonaws.com`).
public struct S3Location: Sendable, Hashable {
    public var endpoint: URL
    public var region: String
    public var bucket: String
    public var pathStyle: Bool

    public init(endpoint: URL, region: String = "us-east-1", bucket: String, pathStyle: Bool = true) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.pathStyle = pathStyle
    }

    /// S3's rules for bucket names: 3–63 characters, lower-case letters, digits, '-' and '.',
    /// starting and ending with a letter or digit.
    public static func isValidBucketName(_ name: String) -> Bool {
        let allowed = name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
        let ends = [name.first, name.last].allSatisfy { $0.map { $0.isLetter || $0.isNumber } ?? false }
        return (3...63).contains(name.count) && allowed && ends
    }
}

/// What the object store answered, as an operator reads it: the operation, the HTTP status and
/// S3's own error code and message (`NoSuchBucket`, `SignatureDoesNotMatch`, `AccessDenied`).
public enum S3Error: Error, Sendable, CustomStringConvertible, Equatable {
    case refused(operation: String, status: Int, code: String, message: String)
    case unreachable(operation: String, reason: String)
    case malformedAnswer(operation: String, reason: String)

    /// S3's error code, when the store gave one.
    public var code: String? {
        if case .refused(_, _, let code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .refused(let operation, let status, let code, let message):
            "\(operation): the object store answered \(status) \(code)" + (message.isEmpty ? "" : ": \(message)")
        case .unreachable(let operation, let reason): "\(operation): the object store cannot be reached: \(reason)"
        case .malformedAnswer(let operation, let reason): "\(operation): the object store's answer is not understood: \(reason)"
        }
    }
}

/// One object as a listing or HEAD gives it.
public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var etag: String
}

/// The S3 requests the blob store needs, signed with SigV4 over AsyncHTTPClient: create a
/// bucket, put (optionally only if absent), get (optionally a byte range), head, delete, list
/// by prefix. Bodies are whole in memory here: blobs are segments of about a minute.
public struct S3Client: Sendable {
    public let location: S3Location
    let signer: SigV4Signer
    let http: HTTPClient
    let timeout: TimeAmount

    public init(
        location: S3Location, signer: SigV4Signer, http: HTTPClient = (try? S3Client.httpClient(caFile: nil)) ?? .shared,
        timeout: TimeAmount = .seconds(60)
    ) {
        self.location = location
        self.signer = signer
        self.http = http
        self.timeout = timeout
    }

    public func createBucket() async throws {
        let answer = try await send("create bucket", method: .PUT, key: nil)
        guard answer.status == 200 || answer.code == "BucketAlreadyOwnedByYou" else { throw answer.error }
    }

    /// Stores `data` at `key`; with `ifAbsent`, a conditional write (If-None-Match: *) that
    /// leaves an existing object alone and says so. `sha256`, when the caller has already
    /// hashed `data`, is signed as the payload's hash instead of hashing it again; the store
    /// checks it against what it receives (`XAmzContentSHA256Mismatch`).
    @discardableResult
    public func put(
        _ key: String, _ data: Data, ifAbsent: Bool = false, metadata: [(String, String)] = [], sha256: String? = nil
    ) async throws -> PutOutcome {
        try await put(key, body: ByteBuffer(bytes: data), ifAbsent: ifAbsent, metadata: metadata, sha256: sha256)
    }

    /// `put` of bytes already in a buffer (a file's part read straight into it).
    @discardableResult
    public func put(
        _ key: String, body: ByteBuffer, ifAbsent: Bool = false, metadata: [(String, String)] = [], sha256: String? = nil
    ) async throws -> PutOutcome {
        let extra = metadata + (ifAbsent ? [("If-None-Match", "*")] : [])
        let answer = try await send("put \(key)", method: .PUT, key: key, body: body, payloadHash: sha256, extra: extra)
        if ifAbsent, answer.status == 412 { return .alreadyPresent }
        guard answer.status == 200 else { throw answer.error }
        return .stored
    }

    /// The object, or `range` of it (byte offsets, end excluded).
    public func get(_ key: String, range: Range<Int64>? = nil) async throws -> Data {
        let extra = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound - 1)")] } ?? []
        let answer = try await send("get \(key)", method: .GET, key: key, extra: extra)
        guard answer.status == 200 || answer.status == 206 else { throw answer.error }
        return answer.body
    }

    /// Size and ETag, or nil when there is no such object.
    public func head(_ key: String) async throws -> S3Object? {
        let answer = try await send("head \(key)", method: .HEAD, key: key)
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw answer.error }
        let size = answer.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0
        return S3Object(key: key, size: size, etag: answer.headers.first(name: "etag") ?? "")
    }

    /// Deletes `key`; deleting what is not there is not an error (S3 answers 204 either way).
    public func delete(_ key: String) async throws {
        let answer = try await send("delete \(key)", method: .DELETE, key: key)
        guard answer.status == 204 || answer.status == 200 else { throw answer.error }
    }

    /// Every object whose key starts with `prefix`, in key order, page by page (ListObjectsV2).
    public func list(prefix: String, pageSize: Int = 1000) async throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "\(pageSize)")]
            if let token { query.append(("continuation-token", token)) }
            let answer = try await send("list \(prefix)", method: .GET, key: nil, query: query)
            guard answer.status == 200 else { throw answer.error }
            let page = try ListingParser.parse(answer.body, operation: "list \(prefix)")
            objects += page.objects
            token = page.truncated ? page.nextToken : nil
        } while token != nil
        return objects
    }

    // MARK: requests

    struct Answer {
        var operation: String
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var code: String? { ErrorParser.parse(body).code }
        var error: S3Error {
            let parsed = ErrorParser.parse(body)
            return .refused(
                operation: operation, status: status, code: parsed.code ?? HTTPResponseStatus(statusCode: status).reasonPhrase,
                message: parsed.message ?? "")
        }
    }

    func send(
        _ operation: String, method: HTTPMethod, key: String?, query: [(String, String)] = [], body: ByteBuffer = ByteBuffer(),
        payloadHash: String? = nil, extra: [(String, String)] = []
    ) async throws -> Answer {
        do {
            let response = try await open(
                operation, method: method, key: key, query: query, body: body, payloadHash: payloadHash, extra: extra)
            let collected = method == .HEAD ? ByteBuffer() : try await response.body.collect(upTo: Int.max)
            return Answer(
                operation: operation, status: Int(response.status.code), headers: response.headers, body: Data(collected.readableBytesView))
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error.unreachable(operation: operation, reason: "\(error)")
        }
    }

    /// Sends a signed request and returns the response with its body unread (downloads stream it).
    /// Extra `x-amz-*` and `content-md5` headers are signed, as S3 requires; `Range` and
    /// `If-None-Match` need not be. `payloadHash` is the body's SHA-256 when the caller knows
    /// it (or `UNSIGNED-PAYLOAD`); otherwise the body is hashed here. Either way the store
    /// checks a signed hash against the body it receives.
    func open(
        _ operation: String, method: HTTPMethod, key: String?, query: [(String, String)] = [], body: ByteBuffer = ByteBuffer(),
        payloadHash known: String? = nil, extra: [(String, String)] = []
    ) async throws -> HTTPClientResponse {
        let (host, path) = address(key: key)
        let payloadHash = known ?? body.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) }
        let date = Date()
        let signedExtra = extra.filter { $0.0.lowercased().hasPrefix("x-amz-") || $0.0.lowercased() == "content-md5" }
        var headers: [(String, String)] =
            [("host", host), ("x-amz-date", SigV4Signer.amzDate(date)), ("x-amz-content-sha256", payloadHash)] + signedExtra
        let signature = signer.sign(
            method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash, date: date)
        headers.append(("authorization", signature.authorization))
        headers += extra.filter { pair in !signedExtra.contains { $0.0 == pair.0 } }
        let queryString = query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: scheme + "://" + host + SigV4Signer.canonicalURI(path) + queryString)
        request.method = method
        for (name, value) in headers where name != "host" { request.headers.add(name: name, value: value) }
        if body.readableBytes > 0 || method == .PUT || method == .POST { request.body = .bytes(body) }
        do {
            return try await http.execute(request, timeout: timeout)
        } catch {
            throw S3Error.unreachable(operation: operation, reason: "\(error)")
        }
    }

    private var scheme: String { location.endpoint.scheme ?? "https" }

    /// The Host header and the path to sign, for path-style or virtual-host addressing.
    func address(key: String?) -> (host: String, path: String) {
        let base = location.endpoint.host ?? "localhost"
        let port = location.endpoint.port.map { ":\($0)" } ?? ""
        if location.pathStyle { return (base + port, "/\(location.bucket)" + (key.map { "/\($0)" } ?? "")) }
        return ("\(location.bucket).\(base)\(port)", "/" + (key ?? ""))
    }
}

/// `<ListBucketResult>`: keys, sizes, ETags, whether more pages follow.
enum ListingParser {
    struct Page {
        var objects: [S3Object] = []
        var truncated = false
        var nextToken: String?
    }

    static func parse(_ xml: Data, operation: String) throws -> Page {
        let collector = ElementCollector(record: "Contents")
        let parser = XMLParser(data: xml)
        parser.delegate = collector
        guard parser.parse() else { throw S3Error.malformedAnswer(operation: operation, reason: "a listing that is not XML") }
        var page = Page()
        for contents in collector.records {
            guard let key = contents["Key"] else { continue }
            page.objects.append(
                S3Object(key: key, size: Int64(contents["Size"] ?? "") ?? 0, etag: contents["ETag"] ?? ""))
        }
        page.truncated = collector.top["IsTruncated"] == "true"
        page.nextToken = collector.top["NextContinuationToken"]
        return page
    }
}

/// `<Error><Code>…</Code><Message>…</Message></Error>`.
enum ErrorParser {
    static func parse(_ xml: Data) -> (code: String?, message: String?) {
        guard !xml.isEmpty else { return (nil, nil) }
        let collector = ElementCollector(record: "Error")
        let parser = XMLParser(data: xml)
        parser.delegate = collector
        _ = parser.parse()
        return (collector.top["Code"], collector.top["Message"])
    }
}

/// The text of the elements directly under the root (`top`) and of each record element
/// (`<Contents>` of a listing, `<Error>` of a batched delete) directly under it.
final class ElementCollector: NSObject, XMLParserDelegate {
    let record: String
    var top: [String: String] = [:]
    var records: [[String: String]] = []
    private var path: [String] = []
    private var text = ""

    init(record: String) { self.record = record }

    static func collect(_ xml: Data, record: String) -> ElementCollector? {
        let collector = ElementCollector(record: record)
        let parser = XMLParser(data: xml)
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]
    ) {
        path.append(name)
        text = ""
        if path.count == 2, name == record { records.append([:]) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if path.count == 2 { top[name] = text }
        if path.count == 3, path[1] == record { records[records.count - 1][name] = text }
        path.removeLast()
        text = ""
    }
}

extension S3Client {
    /// An HTTP client for stores: TLS verified against the system's roots, or against the
    /// certificates of `caFile` only (a site's own CA); there is no switch that turns
    /// verification off. A connection that cannot be made fails at once (after 5 s at most)
    /// instead of being retried until the request's deadline: `RetryingBackend` retries, with
    /// backoff, and says so. One per CA file and process, never shut down (it lives as long as
    /// the process's archive does).
    public static func httpClient(caFile: String?) throws -> HTTPClient {
        try clients.withLock { clients in
            if let client = clients[caFile ?? ""] { return client }
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
            configuration.connectionPool.retryConnectionEstablishment = false
            if let caFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.certificateVerification = .fullVerification
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw ObjectStoreError.io(path: caFile, detail: "cannot read the CA file: \(error)")
                }
                configuration.tlsConfiguration = tls
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caFile ?? ""] = client
            return client
        }
    }

    private static let clients = Mutex<[String: HTTPClient]>([:])
}
