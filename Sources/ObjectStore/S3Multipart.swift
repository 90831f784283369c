import AsyncHTTPClient
import Crypto
import Foundation
import HexDigest
import NIOCore
import NIOHTTP1

/// Multipart uploads, batched deletes and streamed downloads: what a blob store needs beyond
/// single requests with bodies in memory.
extension S3Client {
    /// Starts a multipart upload of `key`; returns its upload id.
    public func startMultipart(_ key: String, metadata: [(String, String)] = []) async throws -> String {
        let operation = "start multipart upload of \(key)"
        let answer = try await send(operation, method: .POST, key: key, query: [("uploads", "")], extra: metadata)
        guard answer.status == 200 else { throw answer.error }
        guard let id = ElementCollector.collect(answer.body, record: "")?.top["UploadId"], !id.isEmpty else {
            throw S3Error.malformedAnswer(operation: operation, reason: "no UploadId")
        }
        return id
    }

    /// Uploads part `number` (from 1), its SHA-256 signed as the payload's hash, which the store
    /// checks against the body it receives; returns its ETag. (SHA-256 rather than Content-MD5:
    /// with the CPU's SHA instructions it costs less than half as much.)
    public func uploadPart(_ key: String, uploadID: String, number: Int, _ part: ByteBuffer) async throws -> String {
        let sha256 = part.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) }
        let operation = "upload part \(number) of \(key)"
        let answer = try await send(
            operation, method: .PUT, key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], body: part,
            payloadHash: sha256)
        guard answer.status == 200 else { throw answer.error }
        guard let etag = answer.headers.first(name: "etag") else { throw S3Error.malformedAnswer(operation: operation, reason: "no ETag") }
        return etag
    }

    /// Joins the parts (ETags in part order) into the object.
    public func completeMultipart(_ key: String, uploadID: String, etags: [String]) async throws {
        let parts = etags.enumerated().map {
            "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(Self.xmlEscaped($0.element))</ETag></Part>"
        }
        let body = Data(("<CompleteMultipartUpload>" + parts.joined() + "</CompleteMultipartUpload>").utf8)
        let answer = try await send(
            "complete multipart upload of \(key)", method: .POST, key: key, query: [("uploadId", uploadID)], body: ByteBuffer(bytes: body))
        // S3 may answer 200 and still report an error in the body.
        guard answer.status == 200, answer.code == nil else { throw answer.error }
    }

    /// Abandons an upload and frees its parts.
    public func abortMultipart(_ key: String, uploadID: String) async throws {
        let answer = try await send("abort multipart upload of \(key)", method: .DELETE, key: key, query: [("uploadId", uploadID)])
        guard answer.status == 204 || answer.status == 200 || answer.status == 404 else { throw answer.error }
    }

    /// Multipart uploads started and neither completed nor aborted (their parts cost storage),
    /// as key and upload id; the first 1000.
    public func unfinishedUploads() async throws -> [(key: String, uploadID: String)] {
        let operation = "list multipart uploads"
        let answer = try await send(operation, method: .GET, key: nil, query: [("uploads", "")])
        guard answer.status == 200 else { throw answer.error }
        guard let result = ElementCollector.collect(answer.body, record: "Upload") else {
            throw S3Error.malformedAnswer(operation: operation, reason: "a listing that is not XML")
        }
        return result.records.map { ($0["Key"] ?? "", $0["UploadId"] ?? "") }
    }

    /// Deletes up to 1000 keys in one request (DeleteObjects); keys that are not there are not
    /// errors. Throws naming the first key the store refused.
    public func delete(keys: [String]) async throws {
        precondition(keys.count <= 1000, "S3 deletes at most 1000 keys per request")
        guard !keys.isEmpty else { return }
        let objects = keys.map { "<Object><Key>\(Self.xmlEscaped($0))</Key></Object>" }.joined()
        let body = Data(("<Delete><Quiet>true</Quiet>" + objects + "</Delete>").utf8)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let operation = "delete \(keys.count) objects"
        let answer = try await send(
            operation, method: .POST, key: nil, query: [("delete", "")], body: ByteBuffer(bytes: body), extra: [("Content-MD5", md5)])
        guard answer.status == 200 else { throw answer.error }
        guard let result = ElementCollector.collect(answer.body, record: "Error") else {
            throw S3Error.malformedAnswer(operation: operation, reason: "a delete result that is not XML")
        }
        if let refused = result.records.first {
            throw S3Error.refused(
                operation: "delete \(refused["Key"] ?? "?")", status: 200, code: refused["Code"] ?? "?", message: refused["Message"] ?? "")
        }
    }

    /// Streams the object into `fd` and returns its size and SHA-256; nil when there is no such object.
    public func download(_ key: String, into fd: Int32, path: String) async throws -> (size: Int64, sha256: String)? {
        let operation = "get \(key)"
        let response = try await open(operation, method: .GET, key: key)
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            let answer = Answer(
                operation: operation, status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
            if answer.status == 404, answer.code == "NoSuchKey" { return nil }
            throw answer.error
        }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher.update(bufferPointer: bytes)
                    try LocalDirectoryBackend.writeAll(fd, bytes, path: path)
                }
                size += Int64(buffer.readableBytes)
            }
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error.unreachable(operation: operation, reason: "cut off after \(size) bytes: \(error)")
        }
        if let declared = response.headers.first(name: "content-length").flatMap(Int64.init), declared != size {
            throw S3Error.unreachable(operation: operation, reason: "cut off after \(size) of \(declared) bytes")
        }
        return (size, hasher.finalize().lowercaseHex)
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
