import Foundation
import GRDB
import Logging
import ObjectStore
import Remux

/// An archive: `<root>/index.sqlite`, `<root>/tmp` (work files, same file system so that
/// adopting a blob is a rename) and the content-addressed segments, in `<root>/blobs` or in
/// an object-storage bucket (`store:`).
public struct Archive: Sendable {
    public let root: String
    public let blobs: BlobStore
    public let index: ArchiveIndex
    public var segmentSeconds: Int64 = 60

    public init(root: String) throws {
        try self.init(root: root, store: nil)
    }

    /// An archive whose blobs are in `store` (an object-storage bucket) while its index and
    /// work files stay in `root`. `settings` says how to reach the store again (no secret in
    /// it); the index records both, so that a later open without the store is refused rather
    /// than reading an empty local directory, and one with another store is refused too.
    public init(root: String, store: (any ObjectBackend)?, settings: String = "{}") throws {
        FFmpegLogging.quiet()
        self.root = root
        try FileSystem.makeDirectory(root)
        index = try ArchiveIndex(path: root + "/index.sqlite")
        try FileSystem.makeDirectory(root + "/tmp")
        if let store {
            try Self.recordStore(store.location, settings: settings, index: index, root: root)
            blobs = BlobStore(backend: store, scratch: root + "/tmp")
        } else {
            if let recorded = try Self.recordedStore(index) {
                throw ArchiveError.storeMismatch(archive: root, recorded: recorded.location, given: nil)
            }
            blobs = try BlobStore(root: root + "/blobs")
        }
        Self.removeAbandonedWork(in: root + "/tmp")
    }

    /// An archive that exists already; throws `noArchive` rather than creating one, for commands
    /// that read or amend an archive (a typo in a path must not leave an empty archive behind).
    public init(existing root: String, store: (any ObjectBackend)? = nil, settings: String = "{}") throws {
        guard FileManager.default.fileExists(atPath: root + "/index.sqlite") else { throw ArchiveError.noArchive(path: root) }
        try self.init(root: root, store: store, settings: settings)
    }

    /// The object store an archive's index names (location and settings), nil for blobs kept
    /// in `<root>/blobs`; read without opening the archive, to build the store first.
    public static func recordedStore(root: String) throws -> (location: String, settings: String)? {
        guard FileManager.default.fileExists(atPath: root + "/index.sqlite") else { return nil }
        return try recordedStore(try ArchiveIndex(path: root + "/index.sqlite"))
    }

    static func recordedStore(_ index: ArchiveIndex) throws -> (location: String, settings: String)? {
        try index.read { db in
            try Row.fetchOne(db, sql: "SELECT location, settings FROM blob_store WHERE id = 1").map { ($0["location"], $0["settings"]) }
        }
    }

    /// Names the store in a new archive; checks it is the one named in an existing archive
    /// (and refreshes how to reach it: an endpoint may move, the bucket and prefix may not).
    private static func recordStore(_ location: String, settings: String, index: ArchiveIndex, root: String) throws {
        try index.write { db in
            let recorded = try String.fetchOne(db, sql: "SELECT location FROM blob_store WHERE id = 1")
            if let recorded, recorded != location { throw ArchiveError.storeMismatch(archive: root, recorded: recorded, given: location) }
            let hasBlobs = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM blobs)") ?? false
            if recorded == nil, hasBlobs { throw ArchiveError.storeMismatch(archive: root, recorded: nil, given: location) }
            try db.execute(
                sql: """
                    INSERT INTO blob_store(id, location, settings, claim) VALUES (1, ?, ?, lower(hex(randomblob(16))))
                    ON CONFLICT(id) DO UPDATE SET settings = excluded.settings
                    """, arguments: [location, settings])
        }
    }

    /// Work files and directories (`ingest-<pid>-…`, `download-<pid>-…`, blobs downloaded to be
    /// read `read-<pid>-…`, index snapshots on their way to a bucket `index-<pid>-…`) are named after their process;
    /// those of processes that are gone (killed mid-run) are removed. Their blobs, if any were adopted, stay: they are
    /// complete, and the next ingest of the same minutes links them.
    static func removeAbandonedWork(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let parts = name.split(separator: "-")
            let kinds: Set<Substring> = ["ingest", "download", "read", "index", "sealed"]
            guard parts.count >= 3, kinds.contains(parts[0]), let pid = Int32(parts[1]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        }
    }
}
