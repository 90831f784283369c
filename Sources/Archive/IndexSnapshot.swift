import Foundation
import GRDB
import ObjectStore

/// Consistent copies of the index: on backup targets, and in the bucket of an archive whose
/// blobs are there, so that the bucket alone can rebuild the archive on a new machine.
extension Archive {
    /// A consistent copy of the index (SQLite's backup API), as a self-contained file.
    @_spi(Backup) public func snapshotIndex(to path: String) throws {
        do {
            let copy = try DatabaseQueue(path: path)
            try index.pool.backup(to: copy)
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
        } catch {
            throw ArchiveError.ioFailed(path: path, detail: "cannot copy the index: \(error)")
        }
    }

    /// `20261202T231500.123Z.sqlite`: names that sort by time, made unique against `existing`.
    @_spi(Backup) public static func snapshotName(_ date: Date, existing: Set<String>) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        let stem = formatter.string(from: date)
        var name = stem + ".sqlite"
        var n = 2
        while existing.contains(name) {
            name = "\(stem)-\(n).sqlite"
            n += 1
        }
        return name
    }

    /// Pushes a snapshot of the index to `store` (`<name>.sqlite`, its SHA-256 checked on the
    /// way up, and `<name>.sqlite.sha256` beside it, written last: a snapshot without its sum
    /// is incomplete and ignored), then keeps the newest `keep`. Returns the snapshot's name.
    public func pushIndexSnapshot(to store: any ObjectBackend, keep: Int, now: Date = Date()) async throws -> String {
        let keys = try await store.list(prefix: "").map(\.key)
        let existing = Self.completeSnapshots(keys)
        let name = Self.snapshotName(now, existing: Set(existing))
        let path = root + "/tmp/index-\(getpid())-\(UUID().uuidString).sqlite"
        defer { unlink(path) }
        try snapshotIndex(to: path)
        let sha = try BlobStore.digest(of: path).sha256
        _ = try await store.put(name, file: path, sha256: sha, ifAbsent: true)
        _ = try await store.put(name + ".sha256", bytes: Array("\(sha)  \(name)\n".utf8), ifAbsent: true)
        // The listing from before this push: the new snapshot is not in it, older and incomplete
        // ones are (the store's claim is not a snapshot and stays).
        let kept = Set((existing + [name]).sorted().suffix(keep))
        let snapshotFiles = keys.filter { $0.hasSuffix(".sqlite") || $0.hasSuffix(".sqlite.sha256") }
        try await store.delete(snapshotFiles.filter { key in !kept.contains(key.hasSuffix(".sha256") ? String(key.dropLast(7)) : key) })
        return name
    }

    /// The complete snapshots (those with their `.sha256`) in `store`, oldest first.
    public static func indexSnapshots(in store: any ObjectBackend) async throws -> [String] {
        completeSnapshots(try await store.list(prefix: "").map(\.key))
    }

    static func completeSnapshots(_ keys: [String]) -> [String] {
        let all = Set(keys)
        return all.filter { $0.hasSuffix(".sqlite") && all.contains($0 + ".sha256") }.sorted()
    }

    /// Rebuilds an archive's directory from a snapshot in `store` (the newest by default): the
    /// index downloaded into `root` (absent or empty) and checked against its `.sha256`. The
    /// blobs stay where they are; the index names their store.
    public static func restoreIndex(from store: any ObjectBackend, snapshot: String? = nil, to root: String) async throws -> String {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard existing.isEmpty else { throw ArchiveError.invalidInput("\(root) is not empty; restore into a new directory") }
        let snapshots = try await indexSnapshots(in: store)
        guard let name = snapshot ?? snapshots.last else { throw ArchiveError.invalidInput("\(store.location) holds no index snapshot") }
        guard snapshots.contains(name) else { throw ArchiveError.invalidInput("\(store.location) has no index snapshot \(name)") }
        let sum = String(decoding: try await store.get(name + ".sha256"), as: UTF8.self).split(separator: " ").first.map(String.init)
        try FileSystem.makeDirectory(root)
        let path = root + "/index.sqlite"
        let downloaded = try await store.download(name, to: path)
        guard downloaded.sha256 == sum else {
            unlink(path)
            throw ArchiveError.invalidInput("index snapshot \(name) hashes to \(downloaded.sha256), its .sha256 says \(sum ?? "nothing")")
        }
        return name
    }
}
