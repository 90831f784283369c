@_spi(Backup) import Archive
import Foundation
import GRDB

/// A backup target: a directory (a removable disk, a mounted offsite share) holding
/// `tsvault-backup.json` (its identity), `blobs/` (the archive's layout) and `snapshots/`
/// (consistent copies of the archive index, one per push, newest kept). Every kept snapshot
/// can be restored: pruning removes only blobs no kept snapshot names.
public struct BackupTarget: Sendable {
    public struct Identity: Sendable, Codable, Hashable {
        public var format: Int
        public var id: String
        public var label: String
        public var created: Date
    }

    public let root: String
    public let identity: Identity
    let blobs: BlobStore

    static let identityFile = "tsvault-backup.json"

    /// Opens an initialized target, or initializes an empty (or new) directory when `label`
    /// is given. A directory that is neither is refused: a push never writes into an
    /// unrelated disk that happens to be mounted there.
    public init(root: String, initializeWithLabel label: String? = nil) throws {
        self.root = root
        let file = root + "/" + Self.identityFile
        if let data = FileManager.default.contents(atPath: file) {
            do { identity = try Self.decoder.decode(Identity.self, from: data) } catch {
                throw ArchiveError.invalidInput("\(file) is not a tsvault backup identity: \(error)")
            }
            if let label, label != identity.label {
                throw ArchiveError.invalidInput("\(root) is backup target \"\(identity.label)\", not \"\(label)\"")
            }
        } else {
            guard let label else {
                throw ArchiveError.invalidInput(
                    "\(root) is not a tsvault backup target (no \(Self.identityFile)); give --label to initialize it")
            }
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            guard existing.filter({ !$0.hasPrefix(".") && $0 != "lost+found" }).isEmpty else {
                throw ArchiveError.invalidInput("\(root) is not empty and not a tsvault backup target; refusing to initialize it")
            }
            try FileSystem.makeDirectory(root)
            identity = Identity(format: 1, id: UUID().uuidString.lowercased(), label: label, created: Date())
            let temporary = root + "/.tmp-identity"
            guard FileManager.default.createFile(atPath: temporary, contents: try Self.encoder.encode(identity)) else {
                throw FileSystem.error(temporary)
            }
            try FileSystem.fsync(path: temporary)
            guard rename(temporary, file) == 0 else { throw FileSystem.error(file) }
            FileSystem.fsyncDirectory(root)
        }
        blobs = try BlobStore(root: root + "/blobs")
        try FileSystem.makeDirectory(root + "/snapshots")
    }

    /// Snapshot names, oldest first (their names sort by time).
    public func snapshots() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/snapshots")) ?? [])
            .filter { $0.hasSuffix(".sqlite") && !$0.hasPrefix(".") }.sorted()
    }

    func snapshotPath(_ name: String) -> String { root + "/snapshots/" + name }

    /// The blobs one snapshot names, with what copying or checking them needs.
    func blobs(inSnapshot name: String) throws -> [SnapshotBlob] {
        try Self.readSnapshot(snapshotPath(name)) { db in
            try Row.fetchAll(db, sql: "SELECT sha256, size, compression FROM blobs ORDER BY sha256").map(SnapshotBlob.init)
        }
    }

    static func readSnapshot<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            return try DatabaseQueue(path: path, configuration: configuration).read(body)
        } catch {
            throw ArchiveError.indexFailed("cannot read snapshot \(path): \(error)")
        }
    }

    /// Work files of a push that was cut off (kill, unplugged disk) in the target's top
    /// directories; those among the blobs go in `rotate`'s walk of the store.
    func removeAbandonedWork() {
        for directory in [root, root + "/snapshots"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".tmp-") {
                unlink(directory + "/" + name)
            }
        }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// One blob row of a snapshot.
struct SnapshotBlob: Hashable {
    var sha256: String
    var size: Int64
    var compressed: Bool

    init(_ row: Row) {
        sha256 = row["sha256"]
        size = row["size"]
        compressed = (row["compression"] as String?) == BlobCompression.zstd.rawValue
    }
}

extension BackupTarget {
    /// How many blob files the target holds.
    public func blobsStored() async throws -> Int { try await blobs.storedNames().count }
}

extension BackupTarget {
    /// Whether `path` holds an initialized target (a mounted backup disk).
    public static func isTarget(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + identityFile)
    }
}
