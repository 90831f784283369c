import CZstd
import Foundation
import ObjectStore

/// zstd (libzstd) for non-video blobs. Video is already compressed; subtitles, manifests and
/// index snapshots shrink a lot.
@_spi(Backup) public enum Zstd {
    public static func compress(_ input: [UInt8], level: Int32 = 9) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                ZSTD_compress(target.baseAddress, bound, source.baseAddress, input.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else { throw ArchiveError.invalidInput("zstd: \(String(cString: ZSTD_getErrorName(written)))") }
        return Array(output.prefix(written))
    }

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        let declared = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, input.count) }
        // ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are the two largest values.
        guard declared < UInt64.max - 1, declared < 1 << 32 else { throw ArchiveError.invalidInput("zstd frame without a usable size") }
        var output = [UInt8](repeating: 0, count: Int(declared))
        let produced = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                ZSTD_decompress(target.baseAddress, Int(declared), source.baseAddress, input.count)
            }
        }
        guard ZSTD_isError(produced) == 0, produced == Int(declared) else { throw ArchiveError.invalidInput("zstd: corrupt frame") }
        return output
    }
}

/// How a blob is kept on disk.
public enum BlobCompression: String, Sendable, Codable {
    case none, zstd
}

extension BlobStore {
    /// Stores non-video bytes in "auto" mode: compressed with zstd (`<sha>.zst`) only when
    /// that saves space; the name is always the SHA-256 of the original bytes.
    public func putCompressible(_ bytes: [UInt8]) async throws -> (blob: StoredBlob, storedSize: Int64, compression: BlobCompression) {
        let sha = Self.sha256Hex(bytes)
        if let existing = try await existing(sha) {
            return (StoredBlob(sha256: sha, size: Int64(bytes.count), isNew: false), existing.storedSize, existing.compression)
        }
        let packed = try Zstd.compress(bytes)
        let (payload, compression) = packed.count < bytes.count ? (packed, BlobCompression.zstd) : (bytes, .none)
        let outcome = try await Self.archiveErrors {
            try await backend.put(Self.key(of: sha, compressed: compression == .zstd), bytes: payload, ifAbsent: true)
        }
        return (StoredBlob(sha256: sha, size: Int64(bytes.count), isNew: outcome == .stored), Int64(payload.count), compression)
    }

    /// The original bytes of a blob, decompressed when stored with zstd.
    public func read(_ sha256: String) async throws -> [UInt8] {
        guard let existing = try await existing(sha256) else {
            throw ArchiveError.ioFailed(path: "\(backend.location)/\(Self.key(of: sha256))", detail: "no such blob")
        }
        let stored = try await backend.get(Self.key(of: sha256, compressed: existing.compression == .zstd))
        return existing.compression == .zstd ? try Zstd.decompress(stored) : stored
    }

    /// How the blob is stored and its stored size, nil when it is not.
    func existing(_ sha256: String) async throws -> (compression: BlobCompression, storedSize: Int64)? {
        if let size = try await backend.head(Self.key(of: sha256)) { return (.none, size) }
        if let size = try await backend.head(Self.key(of: sha256, compressed: true)) { return (.zstd, size) }
        return nil
    }

    @_spi(Backup) public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.hex()
    }
}
