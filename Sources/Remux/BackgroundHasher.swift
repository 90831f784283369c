import Crypto
import Foundation
import HexDigest

/// SHA-256 on a thread of its own, fed through a small bounded queue: the muxing thread
/// copies each output chunk (cheap) instead of hashing it (not cheap), so on two cores muxing
/// and hashing overlap. The thread lives exactly as long as one `finish()` call waits for it.
final class BackgroundHasher: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var closed = false
    private var digest: String?
    /// At most this many chunks wait (each up to the AVIO buffer size), bounding memory.
    private let depth = 16

    init() {
        let thread = Thread { [self] in run() }
        thread.name = "tsvault-hasher"
        thread.start()
    }

    func submit(_ bytes: UnsafeRawBufferPointer) {
        let chunk = [UInt8](bytes)
        condition.lock()
        while queue.count >= depth { condition.wait() }
        queue.append(chunk)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for every submitted byte to be hashed; returns the hex digest.
    func finish() -> String {
        condition.lock()
        closed = true
        condition.broadcast()
        while digest == nil { condition.wait() }
        let result = digest!
        condition.unlock()
        return result
    }

    private func run() {
        var hasher = SHA256()
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty && closed {
                digest = hasher.finalize().lowercaseHex
                condition.broadcast()
                condition.unlock()
                return
            }
            let chunk = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
    }
}
