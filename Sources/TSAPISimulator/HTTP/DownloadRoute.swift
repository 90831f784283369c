import Foundation
import Hummingbird
import Remux

/// `/download/{task}/{file}`: export files while their task holds them, with HTTP Range,
/// and the download faults (cut connection, throttling).
extension SimulatorState {
    func addDownloadRoutes(to router: Router<BasicRequestContext>) {
        router.get("download/:task/:file") { request, context in try await self.download(request, context, headOnly: false) }
        router.head("download/:task/:file") { request, context in try await self.download(request, context, headOnly: true) }
    }

    private func download(_ request: Request, _ context: BasicRequestContext, headOnly: Bool) async throws -> Response {
        _ = try await requireMedia(.dataExport, request)
        let task = try context.parameters.require("task")
        let rawName = try context.parameters.require("file")
        var found = await tasks.lookup(task: task, name: percentDecode(rawName))
        if found == nil { found = await tasks.lookup(task: task, name: rawName) }
        guard let file = found else {
            throw APIError(.notFound, "File not found (deleted after next, or the task ended)")
        }
        let range: ClosedRange<Int64>
        var status = HTTPResponse.Status.ok
        var headers = HTTPFields()
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = file.name.hasSuffix(".mp4") ? "video/mp4" : "application/octet-stream"
        var ignoresRange = false
        if request.headers[.range] != nil { ignoresRange = await faults.take(.ignoreRange) != nil }
        if let header = request.headers[.range], !ignoresRange {
            guard let r = Self.parseRange(header, size: file.size) else {
                headers[.contentRange] = "bytes */\(file.size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            range = r
            status = .partialContent
            headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound)/\(file.size)"
        } else {
            range = 0...max(0, file.size - 1)
        }
        let length = file.size == 0 ? 0 : range.upperBound - range.lowerBound + 1
        headers[.contentLength] = String(length)
        if headOnly { return Response(status: status, headers: headers) }
        let cutAfter = await faults.take(.cutDownload)?.param
        let throttle = await faults.take(.throttleDownload)?.param
        let stallAfter = await faults.take(.stallDownload)?.param
        let body = ResponseBody(contentLength: Int(length)) { writer in
            let complete = try await Self.stream(
                path: file.path, range: range, length: length, cutAfter: cutAfter ?? stallAfter,
                bytesPerSecond: throttle, to: &writer)
            guard !complete else { return }
            // A stall holds the connection open, sending nothing; a cut closes it.
            if stallAfter != nil, cutAfter == nil { try await Task.sleep(for: .seconds(600)) }
            throw DownloadCut()
        }
        return Response(status: status, headers: headers, body: body)
    }

    struct DownloadCut: Error {}

    /// A v1 credential, or on a recorder serving the legacy API its `?auth=`/session too.
    private func requireMedia(_ permission: Permission, _ request: Request) async throws -> Principal {
        do {
            return try await require(permission, request, placement: .socketOrMedia)
        } catch let error as APIError where config.api.servesLegacy {
            guard let principal = await legacyPrincipal(headers: request.headers, query: request.query) else { throw error }
            guard principal.allows(permission) else { throw APIError.forbidden(permission) }
            return principal
        }
    }

    /// Writes the range, or its first `cutAfter` bytes; true when the whole range went out.
    private static func stream(
        path: String, range: ClosedRange<Int64>, length: Int64, cutAfter: Int?,
        bytesPerSecond: Int?, to writer: inout any ResponseBodyWriter
    ) async throws -> Bool {
        guard length > 0 else {
            try await writer.finish(nil)
            return true
        }
        let file: AlignedFileReader
        do { file = try AlignedFileReader(path: path) } catch { throw APIError.notFound }
        // Read straight into the buffer NIO writes, from the disk where direct reads work: an
        // export file is read once, and copying it through the page cache cost the simulator
        // more than anything else it does (docs/BENCHMARKS.md). Reads are large, as each is a
        // round trip to the disk; a chunk and its alignment fit in 4 MiB, the power of two NIO
        // rounds the capacity up to.
        let largest = (4 << 20) - 3 * AlignedFileReader.alignment
        let chunkSize = bytesPerSecond.map { max(1024, min(largest, $0 / 10)) } ?? largest
        var sent: Int64 = 0
        while sent < length {
            var want = Int(min(Int64(chunkSize), length - sent))
            if let cut = cutAfter { want = min(want, max(0, cut - Int(sent))) }
            if want == 0 { return false }
            var buffer = ByteBufferAllocator().buffer(capacity: AlignedFileReader.capacity(for: want))
            let offset = range.lowerBound + sent
            var start = 0
            let written = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: AlignedFileReader.capacity(for: want)) { raw in
                let read = try file.read(want, at: offset, into: raw)
                start = read.start
                return read.start + read.count
            }
            buffer.moveReaderIndex(forwardBy: start)
            let count = written - start
            guard count > 0 else { break }
            try await writer.write(buffer)
            sent += Int64(count)
            if let bps = bytesPerSecond { try await Task.sleep(for: .milliseconds(count * 1000 / max(1, bps))) }
        }
        try await writer.finish(nil)
        return true
    }

    /// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; nil when unsatisfiable or malformed.
    static func parseRange(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).split(separator: ",")[0].trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let n = Int64(parts[1]), n > 0 else { return nil }
            return max(0, size - n)...(size - 1)
        }
        guard let start = Int64(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int64(parts[1]) ?? -1, size - 1)
        return end >= start ? start...end : nil
    }
}
