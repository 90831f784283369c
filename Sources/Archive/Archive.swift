import Foundation
import GRDB
import Logging
import Remux

/// A local archive: `<root>/blobs` (content-addressed segments), `<root>/index.sqlite`,
/// `<root>/tmp` (work files, same file system so that adopting a blob is a rename).
public struct Archive: Sendable {
    public let root: String
    public let blobs: BlobStore
    public let index: ArchiveIndex
    public var segmentSeconds: Int64 = 60

    public init(root: String) throws {
        FFmpegLogging.quiet()
        self.root = root
        try FileSystem.makeDirectory(root)
        blobs = try BlobStore(root: root + "/blobs")
        index = try ArchiveIndex(path: root + "/index.sqlite")
        try FileSystem.makeDirectory(root + "/tmp")
        Self.removeAbandonedWork(in: root + "/tmp")
    }

    /// An archive that exists already; throws `noArchive` rather than creating one, for commands
    /// that read or amend an archive (a typo in a path must not leave an empty archive behind).
    public init(existing root: String) throws {
        guard FileManager.default.fileExists(atPath: root + "/index.sqlite") else { throw ArchiveError.noArchive(path: root) }
        try self.init(root: root)
    }

    /// Work directories (`ingest-<pid>-…`, `download-<pid>-…`) are named after their process;
    /// those of processes that are gone (killed mid-run) are removed. Their blobs, if any were adopted, stay: they are
    /// complete, and the next ingest of the same minutes links them.
    static func removeAbandonedWork(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let parts = name.split(separator: "-")
            guard parts.count >= 3, parts[0] == "ingest" || parts[0] == "download", let pid = Int32(parts[1]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        }
    }
}
