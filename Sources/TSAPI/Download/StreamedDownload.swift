import CoreMetrics
import Crypto
import Foundation
import HexDigest
import NIOCore
import Synchronization

/// What a streamed (or, failing that, whole) download of one file transferred.
public struct TransferFacts: Sendable, Hashable {
    public var size: Int64
    public var resumes: Int
}

/// A recorder file read by its consumer as it downloads, never written to disk whole: the
/// nightly run cuts it into segments from the network (issue 18: writing, re-reading and
/// deleting a scratch copy of every archived byte was 13% of the worker's CPU).
///
/// The guarantees of a download stay: every byte is md5-checked, a cut transfer resumes with
/// `Range`, and nothing is handed on before the md5 has checked out (`read` returns only then).
/// A file that cannot be read this way (neither MP4 nor Matroska, an oversized index, a recorder that ignores
/// Range requests, a demuxer that goes back further than the bytes kept) makes `read` return
/// nil, and the caller downloads it whole (`downloadWhole`).
public final class StreamedDownload: Sendable {
    public let entry: DownloadEntry
    /// The sanitised file name.
    public let name: String
    public let md5: String
    let downloader: Downloader
    private let facts = Mutex<TransferFacts?>(nil)

    /// A download worth streaming: an MP4 or Matroska video whose md5 the recorder sent (the md5
    /// is what lets the segments be kept without a hash of the file of our own).
    static func streamable(_ entry: DownloadEntry) -> Bool {
        entry.md5 != nil && !entry.isSubtitle && ["mp4", "mkv"].contains((entry.fileName as NSString).pathExtension.lowercased())
    }

    init(entry: DownloadEntry, downloader: Downloader) throws {
        self.entry = entry
        self.downloader = downloader
        name = try SafeFileName.make(entry.fileName, server: downloader.client.settings.name)
        md5 = entry.md5 ?? ""
    }

    /// Bytes and resumes of the transfer that delivered the file, once it has.
    public var transferred: TransferFacts? { facts.withLock { $0 } }

    /// Runs `body` on a thread of its own with the file's bytes as they arrive; returns its
    /// value once the whole file has arrived and matched the md5. A failed transfer (after its
    /// resumes) or an md5 mismatch is thrown rather than what `body` made of it; nil when the
    /// file cannot be read as a stream (nothing `body` did may be kept then).
    public func read<T: Sendable>(_ body: @escaping @Sendable (StreamedBytes) throws -> T) async throws -> T? {
        let bytes = StreamedBytes { [self] start, size in try await fetchIndex(from: start, size: size) }
        async let transfer = pump(into: bytes)
        let outcome = await Self.onThread {
            Result {
                try bytes.prepare()
                let value = try body(bytes)
                try bytes.readRest()
                return value
            }
        }
        if bytes.refusal != nil { bytes.cancel() } else { bytes.readerFinished() }
        let delivered = await transfer
        if let refusal = bytes.refusal {
            let server = downloader.client.settings.name
            Counter(label: "tsvault_downloads_read_whole_total", dimensions: [("server", server), ("reason", refusal.code)]).increment()
            downloader.client.logger.info(
                "download read whole before archiving",
                metadata: ["server": "\(server)", "file": "\(name)", "reason": "\(refusal)"])
            return nil
        }
        let (digest, facts) = try delivered.get()
        guard digest == md5 else {
            throw TSAPIError.md5Mismatch(server: downloader.client.settings.name, file: name, expected: md5, actual: digest)
        }
        self.facts.withLock { $0 = facts }
        return try outcome.get()
    }

    /// Downloads the file whole into `directory` (what `read` returning nil leaves to do).
    public func downloadWhole(into directory: String) async throws -> DownloadedFile {
        let file = try await downloader.download(entry, into: directory)
        facts.withLock { $0 = TransferFacts(size: file.size, resumes: file.resumes) }
        return file
    }

    private func pump(into bytes: StreamedBytes) async -> Result<(String, TransferFacts), any Error> {
        var sink = StreamSink(bytes: bytes)
        do {
            let resumes = try await downloader.transfer(entry, into: &sink, displayName: name)
            bytes.end()
            return .success((sink.md5.finalize().lowercaseHex, TransferFacts(size: sink.written, resumes: resumes)))
        } catch {
            bytes.fail(error)
            return .failure(error)
        }
    }

    /// The bytes from `start` to the end, by Range requests of their own (an index after the
    /// media data, needed before the media data can be read), resumed like any download.
    private func fetchIndex(from start: Int64, size: Int64) async throws -> [UInt8] {
        var sink = IndexSink(start: start, size: size)
        _ = try await downloader.transfer(entry, into: &sink, displayName: name)
        return sink.bytes
    }

    /// A thread of its own for the blocking reader: the cooperative pool (two threads here)
    /// runs the transfer that feeds it.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "tsvault-stream-reader"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// The transfer's end of a streamed download: md5 of every byte, in order, then the bytes to
/// the reader. It cannot start over (the reader has used the bytes): a recorder answering a
/// resume with the whole file ends streaming.
struct StreamSink: DownloadSink {
    let bytes: StreamedBytes
    var md5 = Insecure.MD5()
    private(set) var written: Int64 = 0

    init(bytes: StreamedBytes) {
        self.bytes = bytes
    }

    mutating func sizeKnown(_ size: Int64?) throws {
        guard let size else { throw StreamRefusal.sizeUnclear }
        bytes.sizeKnown(size)
    }

    mutating func write(_ chunk: ByteBuffer) async throws {
        chunk.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
        try await bytes.append(chunk)
        written += Int64(chunk.readableBytes)
    }

    mutating func restart() throws {
        throw StreamRefusal.rangeIgnored
    }
}

/// The end of a file, from an offset, kept in memory (its size is bounded by the caller).
struct IndexSink: DownloadSink {
    let start: Int64
    let size: Int64
    private(set) var bytes: [UInt8] = []
    var written: Int64 { start + Int64(bytes.count) }

    init(start: Int64, size: Int64) {
        self.start = start
        self.size = size
        bytes.reserveCapacity(Int(size - start))
    }

    mutating func sizeKnown(_ size: Int64?) throws {
        guard size == self.size else { throw StreamRefusal.sizeUnclear }
    }

    mutating func write(_ chunk: ByteBuffer) throws {
        guard written + Int64(chunk.readableBytes) <= size else { throw StreamRefusal.sizeUnclear }
        chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
    }

    mutating func restart() throws {
        throw StreamRefusal.rangeIgnored
    }
}
