import AsyncHTTPClient
import CoreMetrics
import Crypto
import Foundation
import HexDigest
import NIOCore
import NIOHTTP1

/// A downloaded, verified file on local disk.
public struct DownloadedFile: Sendable, Hashable {
    /// Sanitised name the file has in the target directory.
    public var name: String
    /// The name the recorder advertised.
    public var advertisedName: String
    public var path: String
    public var size: Int64
    public var md5: String
    /// SHA-256 of the file, computed only when the recorder sent no md5 to identify it (one
    /// hash pass of every byte less for the usual download: issue 18's profile).
    public var sha256: String?
    /// Times a cut transfer was resumed with a Range request.
    public var resumes: Int
}

/// Streams one export file to disk in a single pass that also computes its MD5 (and its
/// SHA-256 when the recorder sent no md5).
/// Memory stays bounded (AsyncHTTPClient applies back-pressure; each chunk is written and
/// hashed, then dropped). A cut transfer resumes with `Range`; the file appears under its
/// final name only after its size and md5 check out, so nothing partial ever looks complete.
///
/// The file is not fsynced: it is scratch. `ExportDriver`'s caller makes what it keeps durable
/// before `next` (the archive stores segments, each fsynced), and a crash loses only a
/// download that a rerun fetches again, because the recorder keeps the file until `next`.
/// Syncing it cost the nightly run a second disk write of every byte it archived, and the
/// kernel time of it, for nothing (issue 18's profile).
struct Downloader: Sendable {
    let client: TSAPIClient
    var meter: TransferMeter?

    func download(_ entry: DownloadEntry, into directory: String) async throws -> DownloadedFile {
        let server = client.settings.name
        let name = try SafeFileName.make(entry.fileName, server: server)
        let finalPath = (directory as NSString).appendingPathComponent(name)
        let partialPath = (directory as NSString).appendingPathComponent(".\(name).partial")
        var sink = try HashingFileSink(path: partialPath, sha256: entry.md5 == nil)
        do {
            let resumes = try await transfer(entry, into: &sink, displayName: name)
            let (md5, sha256) = sink.digests()
            sink.close()
            if let expected = entry.md5, expected != md5 {
                throw TSAPIError.md5Mismatch(server: server, file: name, expected: expected, actual: md5)
            }
            guard rename(partialPath, finalPath) == 0 else {
                throw TSAPIError.localWriteFailed(path: finalPath, detail: String(cString: strerror(errno)))
            }
            return DownloadedFile(
                name: name, advertisedName: entry.fileName, path: finalPath, size: sink.written,
                md5: md5, sha256: sha256, resumes: resumes)
        } catch {
            sink.abandon()
            throw error
        }
    }

    /// Fetches until the whole body is in `sink`; returns how many resumes it took. Each
    /// attempt that makes progress earns a fresh retry budget.
    func transfer(_ entry: DownloadEntry, into sink: inout some DownloadSink, displayName: String) async throws -> Int {
        let server = client.settings.name
        let pathAndQuery = Self.localPath(entry.src)
        var expected: Int64?
        var resumes = 0
        var failuresWithoutProgress = 0
        while true {
            let before = sink.written
            do {
                let response = try await open(pathAndQuery, from: sink.written)
                do {
                    expected = try accept(response, sink: &sink, expected: expected, file: displayName)
                } catch {
                    await Self.discard(response)
                    throw error
                }
                for try await chunk in response.body {
                    try await sink.write(chunk)
                    meter?.add(chunk.readableBytes)
                }
                if let expected, sink.written != expected {
                    throw TSAPIError.incompleteDownload(server: server, file: displayName, received: sink.written, expected: expected)
                }
                return resumes
            } catch let error as TSAPIError where !error.isTransient {
                throw error
            } catch let error as StreamRefusal {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                let mapped =
                    (error as? TSAPIError)
                    ?? .incompleteDownload(server: server, file: displayName, received: sink.written, expected: expected)
                failuresWithoutProgress = sink.written > before ? 1 : failuresWithoutProgress + 1
                guard failuresWithoutProgress < client.settings.retry.maxAttempts else { throw mapped }
                Counter(label: "tsvault_download_resumes_total", dimensions: [("server", server)]).increment()
                client.logger.info(
                    "download interrupted, resuming",
                    metadata: [
                        "server": "\(server)", "file": "\(displayName)", "received": "\(sink.written)", "error": "\(mapped)"
                    ])
                try await Task.sleep(for: client.settings.retry.delay(afterAttempt: failuresWithoutProgress))
                if sink.written > 0 { resumes += 1 }
            }
        }
    }

    /// Opens the URL with the current credential in header and query; a 401 on an expired
    /// JWT gets a refresh and another try (a few times: the new token may expire too before
    /// it is used when a recorder's token lifetime is very short).
    func open(_ pathAndQuery: String, from offset: Int64) async throws -> HTTPClientResponse {
        var credential = try await client.auth.current()
        for _ in 0..<3 {
            let response = try await open(pathAndQuery, from: offset, credential: credential)
            guard response.status.code == 401 else { return response }
            await Self.discard(response)
            guard try await client.auth.recover(from: credential) else { return response }
            credential = try await client.auth.current()
        }
        return try await open(pathAndQuery, from: offset, credential: credential)
    }

    private func open(_ pathAndQuery: String, from offset: Int64, credential: AuthMaterial) async throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        credential.apply(to: &headers)
        if offset > 0 { headers.replaceOrAdd(name: "Range", value: "bytes=\(offset)-") }
        let separator = pathAndQuery.contains("?") ? "&" : "?"
        return try await client.transport.stream(pathAndQuery + separator + credential.queryItem, headers: headers)
    }

    /// Checks status and range of an answer; returns the full file size when known. A 200 to
    /// a Range request means the server ignored it: start over.
    private func accept(_ response: HTTPClientResponse, sink: inout some DownloadSink, expected: Int64?, file: String) throws -> Int64? {
        let server = client.settings.name
        let status = Int(response.status.code)
        switch status {
        case 200:
            if sink.written > 0 { try sink.restart() }
            let size = response.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? expected
            try sink.sizeKnown(size)
            return size
        case 206:
            // Content-Range: bytes START-END/TOTAL
            let range = response.headers.first(name: "Content-Range") ?? ""
            let numbers = range.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard numbers.count == 3, numbers[0] == sink.written else {
                try sink.restart()
                throw TSAPIError.incompleteDownload(server: server, file: file, received: 0, expected: expected)
            }
            try sink.sizeKnown(numbers[2])
            return numbers[2]
        case 401: throw TSAPIError.unauthorized(server: server, path: "/download")
        case 403: throw TSAPIError.forbidden(server: server, path: "/download", permission: "dataExport")
        case 404: throw TSAPIError.notFound(server: server, path: "/download/…/\(file)")
        case 500...599: throw TSAPIError.serverError(server: server, path: "/download", status: status, message: nil)
        default: throw TSAPIError.httpStatus(server: server, path: "/download", status: status, message: nil)
        }
    }

    /// Reads and drops the body of an answer we do not use. An unread body keeps its pooled
    /// connection busy; enough of them (a 401 per expired token) exhaust the pool and stall
    /// every later request.
    static func discard(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 4 << 20)
    }

    /// Keeps path and query of `src` to resolve them against our base URL: the recorder may
    /// build `src` with the wrong host or scheme (§6.8).
    static func localPath(_ src: String) -> String {
        guard let components = URLComponents(string: src), components.host != nil else { return src }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}

/// Where a transfer puts the body's bytes, in file order, across resumes.
protocol DownloadSink {
    /// Where in the file the next byte goes: what a resume asks for with `Range`.
    var written: Int64 { get }
    /// The whole file's size, from the first answer that tells it.
    mutating func sizeKnown(_ size: Int64?) throws
    mutating func write(_ chunk: ByteBuffer) async throws
    /// Drops what was written so far (the server ignored a Range request).
    mutating func restart() throws
}

/// A file being written with a running MD5 and, if asked, SHA-256 (scratch: never fsynced).
struct HashingFileSink: DownloadSink {
    let path: String
    private var fd: Int32
    private var md5 = Insecure.MD5()
    private var sha256: SHA256?
    private(set) var written: Int64 = 0

    init(path: String, sha256 wanted: Bool) throws {
        self.path = path
        sha256 = wanted ? SHA256() : nil
        fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TSAPIError.localWriteFailed(path: path, detail: String(cString: strerror(errno))) }
    }

    mutating func sizeKnown(_ size: Int64?) {}

    mutating func write(_ chunk: ByteBuffer) throws {
        try chunk.withUnsafeReadableBytes { raw in
            md5.update(bufferPointer: raw)
            sha256?.update(bufferPointer: raw)
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TSAPIError.localWriteFailed(path: path, detail: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
        written += Int64(chunk.readableBytes)
    }

    /// Drops what was written so far (the server ignored a Range request).
    mutating func restart() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw TSAPIError.localWriteFailed(path: path, detail: String(cString: strerror(errno)))
        }
        md5 = Insecure.MD5()
        if sha256 != nil { sha256 = SHA256() }
        written = 0
    }

    func digests() -> (md5: String, sha256: String?) {
        (md5.finalize().lowercaseHex, sha256?.finalize().lowercaseHex)
    }

    mutating func close() {
        closeDescriptor()
    }

    /// Removes the partial file after a failure.
    mutating func abandon() {
        closeDescriptor()
        unlink(path)
    }

    private mutating func closeDescriptor() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }
}
