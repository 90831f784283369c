import CFFmpeg
import Crypto
import Foundation
import HexDigest
import Synchronization

/// Writes a file front to back and takes its SHA-256 on the way. The caller's bytes go into
/// 2 MiB buffers, copied (`append`) or written there in place (`freeSpace`, then `commit`);
/// two threads of the writer's own take each full buffer in turn, one hashing it, the other
/// writing it, so the caller, the hash and the disk overlap.
///
/// Where the file system allows it the file is opened with `O_DIRECT`: a buffer goes to the
/// disk without being copied into the page cache first. A segment is fsynced, renamed into the
/// store and not read again soon, so the page cache gains nothing from it, and filling it is
/// dear: on this project's 2-core VM, writing 1 GiB through it cost 2.8–4.6 s of kernel time,
/// against 0.2 s direct (docs/BENCHMARKS.md). Where `O_DIRECT` is refused (tmpfs before Linux
/// 6.6, some network and FUSE file systems) the same buffers are written through the page
/// cache, and writeback is started as each 8 MiB completes so the fsync that follows finds
/// little left to do.
final class HashingFileWriter {
    /// One write to the disk. Each direct write is a round trip to this project's virtual disk,
    /// so fewer, larger ones finish sooner: a 1 GiB ingest took 1.19–1.47 s with 2 MiB buffers
    /// against 1.33–1.79 s with 1 MiB (six alternating rounds; sixteen 1 MiB buffers, the same
    /// memory in flight, gained nothing). Not 3 or 4 MiB: then the muxer's per-fragment buffer
    /// (about 5 MB at 20 Mbit/s) was mapped and unmapped by malloc for every fragment and faulted
    /// in anew each time (279k page faults per GiB against 74k; 1.6–1.9 s).
    static let bufferSize = 2 << 20
    static let alignment = DirectIO.alignment
    /// Buffers in flight at most (filling, hashing, writing): the memory a writer holds. With
    /// four the muxing thread waited for a free one at times (1 GiB ingest, four alternating
    /// rounds with 1 MiB buffers: 1.99–2.42 s with four, 1.55–1.78 s with eight; sixteen gained
    /// nothing sure; with 2 MiB buffers twelve gained nothing either).
    static let buffers = 8

    let path: String
    private let pipeline: WritePipeline
    private var current: WriteBuffer?
    private(set) var size: Int64 = 0
    private var finished = false

    init(path: String) throws {
        self.path = path
        guard let opened = DirectIO.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC) else {
            throw RemuxError.invalidInput("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        pipeline = WritePipeline(fd: opened.fd, direct: opened.direct)
        pipeline.start()
    }

    /// Whether the bytes bypass the page cache (false after a fallback).
    var isDirect: Bool { pipeline.isDirect }

    /// The errno that stopped the writing, 0 while none did.
    var failure: Int32 { pipeline.failure }

    /// Copies `bytes` into the buffers, handing each full one on; false once writing failed.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard let buffer = current ?? pipeline.takeFreeBuffer() else { return false }
            current = buffer
            let n = min(bytes.count - offset, Self.bufferSize - buffer.count)
            (buffer.memory + buffer.count).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            buffer.count += n
            offset += n
            if buffer.count == Self.bufferSize { handOn() }
        }
        return pipeline.failure == 0
    }

    /// The unfilled rest of the current buffer, for a caller that writes into it in place and
    /// then `commit`s; nil when less than `minimum` bytes are left (the caller then `append`s)
    /// or once writing failed.
    func freeSpace(minimum: Int) -> UnsafeMutableRawBufferPointer? {
        guard pipeline.failure == 0, let buffer = current ?? pipeline.takeFreeBuffer() else { return nil }
        current = buffer
        guard Self.bufferSize - buffer.count >= minimum else { return nil }
        return UnsafeMutableRawBufferPointer(start: buffer.memory + buffer.count, count: Self.bufferSize - buffer.count)
    }

    /// Takes the first `count` bytes of the last `freeSpace` as written.
    func commit(_ count: Int) -> Bool {
        guard let buffer = current, count <= Self.bufferSize - buffer.count else { return false }
        buffer.count += count
        if buffer.count == Self.bufferSize { handOn() }
        return pipeline.failure == 0
    }

    /// A buffer taken and not handed on (empty after `freeSpace`, or abandoned) goes back to
    /// the pool rather than to malloc.
    private func returnCurrent() {
        guard let buffer = current else { return }
        current = nil
        WriteBuffer.give([buffer])
    }

    private func handOn() {
        guard let buffer = current else { return }
        current = nil
        buffer.offset = size
        size += Int64(buffer.count)
        pipeline.submit(buffer)
    }

    /// Writes what is left, waits for both threads and closes the file; returns its SHA-256
    /// (hex) and size. A direct write's last block is padded to the alignment, then the file
    /// is truncated to its true size.
    func finish() throws -> (sha256: String, size: Int64) {
        if current?.count ?? 0 > 0 { handOn() }
        returnCurrent()
        finished = true
        let digest = pipeline.close()
        var failure = pipeline.failure
        if failure == 0, pipeline.openedDirect, ftruncate(pipeline.fd, off_t(size)) != 0 { failure = errno }
        pipeline.release()
        guard failure == 0 else { throw RemuxError.invalidInput("writing \(path) failed: \(String(cString: strerror(failure)))") }
        return (digest, size)
    }

    /// Stops both threads without writing what is left (the caller deletes the file).
    func abandon() {
        guard !finished else { return }
        finished = true
        returnCurrent()
        pipeline.cancel()
        _ = pipeline.close()
        pipeline.release()
    }

    deinit { abandon() }
}

/// One page-aligned buffer and where its bytes go in the file. Buffers are allocated once and
/// kept in a pool: allocating and freeing eight 1 MiB blocks (their size then) with 4 KiB
/// alignment for every segment, amid the muxer's own growing buffers, fragmented the heap (a
/// 4 GiB ingest peaked 10–20 MiB above a 1 GiB one; pooled, 1–4 MiB). Mapping each buffer with
/// mmap instead cost 275k minor page faults per GiB ingested against 70k (malloc's thresholds
/// move with what it sees freed; not pinned down further), so they come from malloc.
final class WriteBuffer: @unchecked Sendable {
    let memory: UnsafeMutableRawPointer
    var count = 0
    var offset: Int64 = 0

    init?() {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, HashingFileWriter.alignment, HashingFileWriter.bufferSize) == 0, let pointer else {
            return nil
        }
        memory = pointer
    }

    deinit { free(memory) }

    /// Buffers kept for the next segment: enough for the two segments of a video open at once
    /// (32 MiB kept for the life of the process); beyond that they are freed.
    private static let pool = Mutex<[WriteBuffer]>([])
    static let pooled = 2 * HashingFileWriter.buffers

    static func take() -> WriteBuffer? {
        if let buffer = pool.withLock({ $0.popLast() }) { return buffer }
        return WriteBuffer()
    }

    static func give(_ buffers: [WriteBuffer]) {
        pool.withLock { pool in
            for buffer in buffers where pool.count < pooled {
                buffer.count = 0
                pool.append(buffer)
            }
        }
    }
}

/// The buffers' way from the caller to the hashing thread, the writing thread and back, under
/// one lock. A failure stops the writing but not the flow: buffers keep coming back, so a
/// caller waiting for one wakes up and sees the failure.
final class WritePipeline: @unchecked Sendable {
    let fd: Int32
    private let condition = NSCondition()
    private var free: [WriteBuffer] = []
    private var allocated = 0
    private var toHash: [WriteBuffer] = []
    private var toWrite: [WriteBuffer] = []
    private var closed = false
    private var hashing = true
    private var writing = true
    private var digest = ""
    private var failureCode: Int32 = 0
    /// Changed by the writing thread only (under the lock, as others read it).
    private var direct: Bool
    /// Whether the file was opened for direct I/O: its last block may be padded.
    let openedDirect: Bool
    private var writebackStart: Int64 = 0

    init(fd: Int32, direct: Bool) {
        self.fd = fd
        self.direct = direct
        openedDirect = direct
    }

    func start() {
        let hasher = Thread { [self] in hashAll() }
        hasher.name = "tsvault-hasher"
        hasher.start()
        let writer = Thread { [self] in writeAll() }
        writer.name = "tsvault-writer"
        writer.start()
    }

    var failure: Int32 { condition.withLock { failureCode } }
    var isDirect: Bool { condition.withLock { direct } }

    /// A free buffer, waiting while all are in flight; nil once writing failed or memory ran out.
    func takeFreeBuffer() -> WriteBuffer? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failureCode != 0 { return nil }
            if let buffer = free.popLast() {
                buffer.count = 0
                return buffer
            }
            if allocated < HashingFileWriter.buffers {
                guard let buffer = WriteBuffer.take() else {
                    failureCode = ENOMEM
                    return nil
                }
                allocated += 1
                return buffer
            }
            condition.wait()
        }
    }

    func submit(_ buffer: WriteBuffer) {
        condition.withLock {
            toHash.append(buffer)
            condition.broadcast()
        }
    }

    func cancel() {
        condition.withLock {
            if failureCode == 0 { failureCode = ECANCELED }
        }
    }

    /// No more buffers come; waits for both threads to end and returns the digest.
    func close() -> String {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while hashing || writing { condition.wait() }
        return digest
    }

    /// After `close`: the buffers' memory and the file descriptor go.
    func release() {
        let buffers = condition.withLock {
            defer {
                free.removeAll()
                toHash.removeAll()
                toWrite.removeAll()
            }
            return free + toHash + toWrite
        }
        WriteBuffer.give(buffers)
        Foundation.close(fd)
    }

    private func hashAll() {
        var hasher = SHA256()
        while let buffer = next(hashing: true) {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer.memory, count: buffer.count))
            condition.withLock {
                toWrite.append(buffer)
                condition.broadcast()
            }
        }
        let result = hasher.finalize().lowercaseHex
        condition.withLock {
            digest = result
            hashing = false
            condition.broadcast()
        }
    }

    private func writeAll() {
        while let buffer = next(hashing: false) {
            if failure == 0 {
                let code = write(buffer)
                if code != 0 { condition.withLock { if failureCode == 0 { failureCode = code } } }
            }
            condition.withLock {
                free.append(buffer)
                condition.broadcast()
            }
        }
        condition.withLock {
            writing = false
            condition.broadcast()
        }
    }

    /// The next buffer for the hashing or the writing thread, nil when none will come.
    private func next(hashing forHashing: Bool) -> WriteBuffer? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if forHashing, !toHash.isEmpty { return toHash.removeFirst() }
            if !forHashing, !toWrite.isEmpty { return toWrite.removeFirst() }
            if forHashing ? closed : !hashing { return nil }
            condition.wait()
        }
    }

    /// Writes one buffer at its offset; 0 or an errno. A direct write refused as invalid
    /// (a file system that accepted the flag at open but not the I/O) is retried through the
    /// page cache, and the rest of the file follows it there.
    private func write(_ buffer: WriteBuffer) -> Int32 {
        if direct {
            let length = DirectIO.padded(buffer.count)
            (buffer.memory + buffer.count).initializeMemory(as: UInt8.self, repeating: 0, count: length - buffer.count)
            let code = OutputPlumbing.writeAll(fd, buffer.memory, length, at: buffer.offset)
            guard code == EINVAL else { return code }
            let stopped = DirectIO.stop(on: fd)
            guard stopped == 0 else { return stopped }
            condition.withLock { direct = false }
        }
        let code = OutputPlumbing.writeAll(fd, buffer.memory, buffer.count, at: buffer.offset)
        startWriteback(upTo: buffer.offset + Int64(buffer.count))
        return code
    }

    /// Through the page cache: starts writing each 8 MiB to disk as soon as it is complete.
    private func startWriteback(upTo end: Int64) {
        let chunk: Int64 = 8 << 20
        guard end - writebackStart >= chunk else { return }
        _ = tsv_start_writeback(fd, writebackStart, end - writebackStart)
        writebackStart = end
    }
}
