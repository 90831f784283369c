import CZstd
import Foundation

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
    public func putCompressible(_ bytes: [UInt8]) throws -> (blob: StoredBlob, storedSize: Int64, compression: BlobCompression) {
        let sha = Self.sha256Hex(bytes)
        if let existing = try? existingCompression(of: sha) {
            return (StoredBlob(sha256: sha, size: Int64(bytes.count), isNew: false), storedSize(sha, existing), existing)
        }
        let packed = try Zstd.compress(bytes)
        let (payload, compression) = packed.count < bytes.count ? (packed, BlobCompression.zstd) : (bytes, .none)
        let target = path(of: sha) + (compression == .zstd ? ".zst" : "")
        let directory = (target as NSString).deletingLastPathComponent
        try FileSystem.makeDirectory(directory)
        let temporary = directory + "/.tmp-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(payload)) else { throw FileSystem.error(temporary) }
        try FileSystem.fsync(path: temporary)
        chmod(temporary, 0o444)
        guard rename(temporary, target) == 0 else { throw FileSystem.error(target) }
        FileSystem.fsyncDirectory(directory)
        return (StoredBlob(sha256: sha, size: Int64(bytes.count), isNew: true), Int64(payload.count), compression)
    }

    /// The original bytes of a blob, decompressed when stored with zstd.
    public func read(_ sha256: String) throws -> [UInt8] {
        let compression = try existingCompression(of: sha256)
        let stored = path(of: sha256) + (compression == .zstd ? ".zst" : "")
        guard let data = FileManager.default.contents(atPath: stored) else { throw FileSystem.error(stored) }
        return compression == .zstd ? try Zstd.decompress([UInt8](data)) : [UInt8](data)
    }

    func existingCompression(of sha256: String) throws -> BlobCompression {
        if FileManager.default.fileExists(atPath: path(of: sha256)) { return .none }
        if FileManager.default.fileExists(atPath: path(of: sha256) + ".zst") { return .zstd }
        throw ArchiveError.ioFailed(path: path(of: sha256), detail: "no such blob")
    }

    private func storedSize(_ sha256: String, _ compression: BlobCompression) -> Int64 {
        let stored = path(of: sha256) + (compression == .zstd ? ".zst" : "")
        return FileSystem.size(of: stored) ?? 0
    }

    @_spi(Backup) public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.hex()
    }
}
