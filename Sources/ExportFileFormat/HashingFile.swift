import Crypto
import Foundation
import HexDigest

/// A new file written front to back through a buffer, every byte hashed on its way out.
final class HashingFile {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// SHA-256 of everything written so far (a value: a copy can go on with other bytes).
    private(set) var hasher = SHA256()
    private(set) var written = 0
    private static let bufferSize = 1 << 20

    init(path: String) throws(EFFError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw EFFError("cannot create \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.bufferSize)
    }

    func write(_ bytes: some Collection<UInt8>) throws(EFFError) {
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= Self.bufferSize { try flush() }
    }

    private func flush() throws(EFFError) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else { throw EFFError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The hash of everything written, including what is still buffered.
    var currentHasher: SHA256 {
        var copy = hasher
        buffer.withUnsafeBytes { copy.update(bufferPointer: $0) }
        return copy
    }

    /// Flushes, syncs and closes; returns the file's SHA-256 in hex.
    func close() throws(EFFError) -> String {
        try flush()
        guard fsync(descriptor) == 0 else { throw EFFError("cannot sync \(path): \(String(cString: strerror(errno)))") }
        Foundation.close(descriptor)
        return Array(hasher.finalize()).lowercaseHex
    }

    /// Closes and removes a file that will not be finished.
    func abandon() {
        Foundation.close(descriptor)
        unlink(path)
    }
}
