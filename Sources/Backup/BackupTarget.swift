@_spi(Backup) import Archive
import Crypto
import Foundation
import GRDB
import ObjectStore

/// A backup target: a directory (a removable disk, a mounted offsite share) or a bucket prefix,
/// holding `tsvault-backup.json` (its identity), `blobs/` (the archive's layout) and
/// `snapshots/` (consistent copies of the archive index, one per push, each with its
/// `.sha256`, newest kept). Every kept snapshot can be restored: pruning removes only blobs no
/// kept snapshot names. With a key, snapshots and blobs are encrypted (AES-256-GCM, see
/// `EncryptingBackend`) and the identity records the key's id; the identity itself is plain.
public struct BackupTarget: Sendable {
    public struct Identity: Sendable, Codable, Hashable {
        public var format: Int
        public var id: String
        public var label: String
        public var created: Date
        /// The id of the key the target's objects are encrypted with; nil when they are not.
        public var keyID: String?
    }

    /// Where the target is, for reports and the archive's ledger: a directory or `s3://bucket/prefix`.
    public let location: String
    public let identity: Identity
    /// The directory of a disk target; nil for a bucket.
    public let root: String?
    /// Identity and snapshots (`snapshots/<name>`), encrypted with the target's key if it has one.
    let meta: any ObjectBackend
    let blobs: BlobStore
    /// Where `store.lock` serializes pushes: the disk itself, or a directory of this machine for a bucket.
    let lockDirectory: String
    /// Where snapshots are read and written as files when the target is not a plain directory.
    let scratch: String

    static let identityFile = "tsvault-backup.json"

    /// A disk target: opens an initialized one, or initializes an empty (or new) directory when
    /// `label` is given. A directory that is neither is refused: a push never writes into an
    /// unrelated disk that happens to be mounted there.
    public init(root: String, initializeWithLabel label: String? = nil) throws {
        let file = root + "/" + Self.identityFile
        let identity: Identity
        if let data = FileManager.default.contents(atPath: file) {
            identity = try Self.decodeIdentity(data, at: file)
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
        guard identity.keyID == nil else {
            throw ArchiveError.invalidInput("\(root) is encrypted with key \(identity.keyID ?? ""); open it with its key file")
        }
        self.identity = identity
        self.root = root
        location = root
        meta = try LocalDirectoryBackend(root: root)
        blobs = try BlobStore(root: root + "/blobs")
        lockDirectory = root
        scratch = root + "/snapshots"
        try FileSystem.makeDirectory(scratch)
    }

    /// A target in object storage: `storage` is the target's root (identity, `snapshots/`,
    /// `blobs/` under it). Initialized on first use with `label` when the prefix is empty; one
    /// holding anything else is refused. `key` encrypts snapshots and blobs; a target made
    /// with another key, or without one, is refused before anything is read or written.
    public static func open(
        storage: any ObjectBackend, blobStorage: any ObjectBackend, label: String, key: SymmetricKey?, lockDirectory: String,
        scratch: String
    ) async throws -> BackupTarget {
        let keyID = key.map { EncryptingBackend(storage, key: $0).keyID }
        var identity: Identity
        do {
            identity = try decodeIdentity(Data(try await storage.get(identityFile)), at: storage.location + "/" + identityFile)
        } catch ObjectStoreError.notFound {
            guard try await storage.list(prefix: "").isEmpty else {
                throw ArchiveError.invalidInput(
                    "\(storage.location) is not empty and not a tsvault backup target; refusing to initialize it")
            }
            identity = Identity(format: 1, id: UUID().uuidString.lowercased(), label: label, created: Date(), keyID: keyID)
            if try await storage.put(identityFile, bytes: Array(try encoder.encode(identity)), ifAbsent: true) == .alreadyPresent {
                identity = try decodeIdentity(Data(try await storage.get(identityFile)), at: storage.location + "/" + identityFile)
            }
        }
        guard identity.label == label else {
            throw ArchiveError.invalidInput("\(storage.location) is backup target \"\(identity.label)\", not \"\(label)\"")
        }
        guard identity.keyID == keyID else {
            throw ArchiveError.invalidInput(
                "\(storage.location) is encrypted with key \(identity.keyID ?? "none"), the key file given has \(keyID ?? "none")")
        }
        let meta: any ObjectBackend = key.map { EncryptingBackend(storage, key: $0, scratch: scratch) } ?? storage
        let blobBackend: any ObjectBackend = key.map { EncryptingBackend(blobStorage, key: $0, scratch: scratch) } ?? blobStorage
        try FileSystem.makeDirectory(lockDirectory)
        try FileSystem.makeDirectory(scratch)
        return BackupTarget(
            location: storage.location, identity: identity, root: nil, meta: meta, blobs: BlobStore(backend: blobBackend, scratch: scratch),
            lockDirectory: lockDirectory, scratch: scratch)
    }

    private init(
        location: String, identity: Identity, root: String?, meta: any ObjectBackend, blobs: BlobStore, lockDirectory: String,
        scratch: String
    ) {
        self.location = location
        self.identity = identity
        self.root = root
        self.meta = meta
        self.blobs = blobs
        self.lockDirectory = lockDirectory
        self.scratch = scratch
    }

    static func decodeIdentity(_ data: Data, at path: String) throws -> Identity {
        do { return try decoder.decode(Identity.self, from: data) } catch {
            throw ArchiveError.invalidInput("\(path) is not a tsvault backup identity: \(error)")
        }
    }

    /// Complete snapshots (with their `.sha256`), oldest first (their names sort by time).
    public func snapshots() async throws -> [String] {
        let keys = Set(try await meta.list(prefix: "snapshots/").map(\.key))
        return keys.filter { $0.hasSuffix(".sqlite") && keys.contains($0 + ".sha256") }.map { String($0.dropFirst(10)) }.sorted()
    }

    /// Runs `body` with the snapshot as a local file: in place on a plain disk, downloaded
    /// (and decrypted) into the scratch directory otherwise.
    func withSnapshotFile<T>(_ name: String, _ body: (String) async throws -> T) async throws -> T {
        if let local = meta as? LocalDirectoryBackend { return try await body(local.path(of: "snapshots/" + name)) }
        let path = scratch + "/read-\(getpid())-\(UUID().uuidString)-" + name
        defer { unlink(path) }
        _ = try await meta.download("snapshots/" + name, to: path)
        return try await body(path)
    }

    /// The blobs one snapshot names, with what copying or checking them needs.
    func blobs(inSnapshot name: String) async throws -> [SnapshotBlob] {
        try await withSnapshotFile(name) { path in try Self.blobs(inSnapshotFile: path) }
    }

    static func blobs(inSnapshotFile path: String) throws -> [SnapshotBlob] {
        try readSnapshot(path) { db in
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

    /// Work files of a push that was cut off (kill, unplugged disk) in a disk target's top
    /// directories; those among the blobs go in `rotate`'s walk of the store.
    func removeAbandonedWork() {
        guard let root else { return }
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
struct SnapshotBlob: Hashable, Sendable {
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
