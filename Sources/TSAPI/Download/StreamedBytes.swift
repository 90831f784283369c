import Foundation
import NIOCore

/// Why a file is downloaded whole before it is read instead of being read as it arrives.
enum StreamRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownContainer
    case noMediaData
    case indexTooLarge(bytes: Int64)
    case indexUnavailable(status: Int)
    case readBehindWindow(offset: Int64)
    case indexDiffers(offset: Int64)
    case sizeUnclear
    case rangeIgnored

    /// A short name for a metric label.
    var code: String {
        switch self {
        case .unknownContainer: "unknown-container"
        case .noMediaData: "no-media-data"
        case .indexTooLarge: "index-too-large"
        case .indexUnavailable: "index-unavailable"
        case .readBehindWindow: "read-behind-window"
        case .indexDiffers: "index-differs"
        case .sizeUnclear: "size-unclear"
        case .rangeIgnored: "range-ignored"
        }
    }

    var description: String {
        switch self {
        case .unknownContainer: "neither an MP4 nor a Matroska file"
        case .noMediaData: "no media data box among its first boxes"
        case .indexTooLarge(let bytes): "its index after the media data is \(bytes) bytes, more than is kept in memory"
        case .indexUnavailable(let status): "the recorder answered \(status) to a Range request for its index"
        case .readBehindWindow(let offset): "the demuxer went back to byte \(offset), before the bytes still kept"
        case .indexDiffers(let offset): "the index fetched first differs from the one in the stream at byte \(offset)"
        case .sizeUnclear: "the recorder sent no size, or another one than before"
        case .rangeIgnored: "the recorder ignored a Range request"
        }
    }
}

/// The bytes of one download, as the transfer delivers them, for one reader on a thread of its
/// own (a demuxer reading while the file arrives). The transfer (`append`) never runs more
/// than `aheadLimit` bytes ahead of the reader and the reader may go back `behindLimit` bytes:
/// memory is bounded whatever the file's size. A Matroska file, or an MP4 whose index comes
/// first, is read in order. An MP4 whose index (`moov`) follows its media
/// data, as recorders write them, has that index fetched first with a Range request and kept
/// in memory (it is about 0.2% of the file); the same bytes arriving later in the stream are
/// compared with it, so everything the reader used is covered by the md5 of the stream.
public final class StreamedBytes: @unchecked Sendable {
    static let aheadLimit: Int64 = 4 << 20
    static let behindLimit: Int64 = 2 << 20
    static let indexLimit: Int64 = 64 << 20
    /// The media data box must start within this many bytes.
    static let layoutLimit: Int64 = 1 << 20
    /// How a Matroska file starts (its EBML header's ID). Such a file is read as it arrives
    /// with no index fetched first: libavformat's muxer writes the tracks and tags before the
    /// clusters and the cues after them, and its demuxer reads the cues only to seek. A file
    /// the demuxer must read out of order (to its end and back) goes back beyond the bytes
    /// kept and is downloaded whole (`readBehindWindow`).
    static let ebmlMagic: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3]

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var totalSize: Int64?
    private var chunks = CircularBuffer<(offset: Int64, bytes: ByteBuffer)>()
    private var windowStart: Int64 = 0
    private var windowEnd: Int64 = 0
    /// The furthest offset the reader asked for in the stream.
    private var position: Int64 = 0
    private var ended = false
    private var failure: (any Error)?
    /// The reader is done (or gave up): the transfer goes on to the end, keeping nothing.
    private var readerDone = false
    private var cancelled = false
    private var transferWaiting: CheckedContinuation<Void, Never>?
    private var refused: StreamRefusal?

    // The reader's own.
    private var index: (start: Int64, bytes: [UInt8])?
    public private(set) var size: Int64 = 0
    private let fetchIndex: @Sendable (_ start: Int64, _ size: Int64) async throws -> [UInt8]

    init(fetchIndex: @escaping @Sendable (_ start: Int64, _ size: Int64) async throws -> [UInt8]) {
        self.fetchIndex = fetchIndex
    }

    /// Why the file could not be read as a stream, if that is how reading it ended.
    var refusal: StreamRefusal? { condition.withLock { refused } }

    // MARK: the reader's side (blocking)

    /// Waits for the size, walks the top-level boxes and fetches a trailing index.
    func prepare() throws {
        size = try condition.withLock {
            while totalSize == nil, failure == nil, !ended { condition.wait() }
            if let failure { throw failure }
            guard let totalSize else { throw refuseLocked(.sizeUnclear) }
            return totalSize
        }
        var offset: Int64 = 0
        while true {
            guard offset + 8 <= size, offset < Self.layoutLimit else { throw refuse(.noMediaData) }
            var header = [UInt8](repeating: 0, count: Int(min(16, size - offset)))
            try header.withUnsafeMutableBytes { try readStreamExactly(at: offset, into: $0) }
            if offset == 0, header.starts(with: Self.ebmlMagic) { return }  // Matroska: read in order
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if offset == 0, type != "ftyp" { throw refuse(.unknownContainer) }
            var boxSize = Int64(Self.bigEndian(header[0..<4]))
            if boxSize == 1 {
                guard header.count == 16 else { throw refuse(.noMediaData) }
                boxSize = Int64(bitPattern: Self.bigEndian(header[8..<16]))
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= 8, boxSize <= size - offset else { throw refuse(.noMediaData) }
            if type == "moov" { return }  // the index comes first: the file reads in order
            if type == "mdat" {
                let start = offset + boxSize
                guard start < size else { return }
                guard size - start <= Self.indexLimit else { throw refuse(.indexTooLarge(bytes: size - start)) }
                do {
                    index = (start, try Self.blocking { [fetchIndex, size] in try await fetchIndex(start, size) })
                } catch let refusal as StreamRefusal {
                    throw refuse(refusal)
                }
                return
            }
            offset += boxSize
        }
    }

    /// Reads what the reader did not, to the end: the transfer completes, and the stream's copy
    /// of the index must equal the one the reader used.
    func readRest() throws {
        var offset = condition.withLock { position }
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        while offset < size {
            let n = try buffer.withUnsafeMutableBytes { try readStream(at: offset, into: $0) }
            guard n > 0 else { break }
            if let index, offset + Int64(n) > index.start {
                let from = max(offset, index.start)
                let streamed = buffer[Int(from - offset)..<n]
                let kept = index.bytes[Int(from - index.start)..<Int(offset + Int64(n) - index.start)]
                if let differing = zip(streamed, kept).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    throw refuse(.indexDiffers(offset: from + Int64(differing)))
                }
            }
            offset += Int64(n)
        }
    }

    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let index, offset >= index.start {
            guard offset < size else { return 0 }
            let count = min(buffer.count, Int(size - offset))
            index.bytes.withUnsafeBytes { kept in
                buffer.baseAddress!.copyMemory(from: kept.baseAddress! + Int(offset - index.start), byteCount: count)
            }
            return count
        }
        let limit = min(buffer.count, Int(min((index?.start ?? size) - offset, Int64(Int32.max))))
        guard limit > 0 else { return 0 }
        return try readStream(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit]))
    }

    private func readStreamExactly(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = try readStream(at: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            guard n > 0 else { throw refuse(.noMediaData) }
            done += n
        }
    }

    private func readStream(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        if offset > position {
            position = offset
            wakeTransfer()
        }
        while true {
            if offset < windowStart { throw refuseLocked(.readBehindWindow(offset: offset)) }
            if offset < windowEnd {
                let count = copy(from: offset, into: buffer)
                position = max(position, offset + Int64(count))
                trim()
                wakeTransfer()
                return count
            }
            if let failure { throw failure }
            if ended { return 0 }
            condition.wait()
        }
    }

    /// Copies from the kept chunks (contiguous from `windowStart`); lock held.
    private func copy(from offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var copied = 0
        var at = offset
        for chunk in chunks {
            let end = chunk.offset + Int64(chunk.bytes.readableBytes)
            guard end > at else { continue }
            let skip = Int(at - chunk.offset)
            let count = min(buffer.count - copied, chunk.bytes.readableBytes - skip)
            chunk.bytes.withUnsafeReadableBytes { raw in
                (buffer.baseAddress! + copied).copyMemory(from: raw.baseAddress! + skip, byteCount: count)
            }
            copied += count
            at += Int64(count)
            if copied == buffer.count { break }
        }
        return copied
    }

    /// Drops chunks the reader can no longer go back to; lock held.
    private func trim() {
        while let first = chunks.first, first.offset + Int64(first.bytes.readableBytes) <= position - Self.behindLimit {
            chunks.removeFirst()
        }
        windowStart = chunks.first?.offset ?? windowEnd
    }

    private func wakeTransfer() {
        guard let waiting = transferWaiting, readerDone || cancelled || windowEnd - position < Self.aheadLimit else { return }
        transferWaiting = nil
        waiting.resume()
    }

    private func refuse(_ reason: StreamRefusal) -> StreamRefusal {
        condition.withLock { refuseLocked(reason) }
    }

    /// The same with the lock held.
    private func refuseLocked(_ reason: StreamRefusal) -> StreamRefusal {
        refused = refused ?? reason
        return reason
    }

    // MARK: the transfer's side

    func sizeKnown(_ size: Int64) {
        condition.withLock {
            if totalSize == nil { totalSize = size }
            condition.broadcast()
        }
    }

    func append(_ chunk: ByteBuffer) async throws {
        while !condition.withLock({ cancelled || readerDone || windowEnd - position < Self.aheadLimit }) {
            await withCheckedContinuation { continuation in
                condition.withLock {
                    if cancelled || readerDone || windowEnd - position < Self.aheadLimit {
                        continuation.resume()
                    } else {
                        transferWaiting = continuation
                    }
                }
            }
        }
        try condition.withLock {
            if cancelled { throw CancellationError() }
            let start = windowEnd
            windowEnd += Int64(chunk.readableBytes)
            if readerDone || windowEnd <= position - Self.behindLimit {
                windowStart = windowEnd
            } else {
                chunks.append((start, chunk))
            }
            condition.broadcast()
        }
    }

    /// The whole file has arrived.
    func end() {
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    /// The transfer failed (after its retries): the reader gets `error`.
    func fail(_ error: any Error) {
        condition.withLock {
            if case let refusal as StreamRefusal = error { refused = refused ?? refusal }
            failure = error
            condition.broadcast()
        }
    }

    // MARK: the orchestrator's side

    /// The reader is done: the transfer runs to the end (for the md5) keeping nothing.
    func readerFinished() {
        condition.withLock {
            readerDone = true
            chunks.removeAll()
            windowStart = windowEnd
            wakeTransfer()
        }
    }

    /// Streaming is given up: the transfer stops at its next chunk.
    func cancel() {
        condition.withLock {
            cancelled = true
            chunks.removeAll()
            wakeTransfer()
        }
    }

    // MARK: helpers

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Runs async work from the reader's thread (never from a cooperative thread).
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        Task {
            result.value = await Result(catching: work)
            semaphore.signal()
        }
        semaphore.wait()
        return try result.value!.get()
    }
}

/// Hands one value from a task to a thread that waits on a semaphore.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: Result<T, any Error>?
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
