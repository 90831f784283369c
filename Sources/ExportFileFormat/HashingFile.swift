import Crypto
import Foundation
import HexDigest

/// A new file written front to back through a buffer, every byte hashed on its way out.
final class HashingFile {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// SHA-256 of everything written so far (a value: a copy can go on with other bytes).
    private var hasher = SHA256()
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

    /// Writes `bytes[range]`: a large piece straight from where it is (hashed there), a small
    /// one through the buffer.
    func write(_ bytes: [UInt8], range: Range<Int>) throws(EFFError) {
        guard range.count >= 1 << 16 else {
            try write(bytes[range])
            return
        }
        try flush()
        let failure = bytes.withUnsafeBytes { all -> EFFError? in
            let piece = UnsafeRawBufferPointer(rebasing: all[range])
            hasher.update(bufferPointer: piece)
            return writeAll(piece)
        }
        if let failure { throw failure }
        written += range.count
    }

    /// Writes all of `piece`; the error, if it could not.
    private func writeAll(_ piece: UnsafeRawBufferPointer) -> EFFError? {
        var done = 0
        while done < piece.count {
            let n = Foundation.write(descriptor, piece.baseAddress! + done, piece.count - done)
            guard n > 0 else { return EFFError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        return nil
    }

    private func flush() throws(EFFError) {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { bytes -> EFFError? in
            hasher.update(bufferPointer: bytes)
            return writeAll(bytes)
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The hash of everything written, including what is still buffered.
    var currentHasher: SHA256 {
        var copy = hasher
        buffer.withUnsafeBytes { copy.update(bufferPointer: $0) }
        return copy
    }

    /// Flushes and closes; returns the file's SHA-256 in hex. Not synced to the disk: a clip is
    /// derived from the archive, and a package a crash cut short is extracted again (its
    /// custody entry is written only once the package is complete).
    func close() throws(EFFError) -> String {
        try flush()
        guard Foundation.close(descriptor) == 0 else { throw EFFError("cannot write \(path): \(String(cString: strerror(errno)))") }
        return Array(hasher.finalize()).lowercaseHex
    }

    /// Closes and removes a file that will not be finished.
    func abandon() {
        Foundation.close(descriptor)
        unlink(path)
    }
}
