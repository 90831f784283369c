import Foundation
import GRDB
import ObjectStore

/// Which archive a store's prefix belongs to. Workers share a storage cluster under distinct
/// prefixes; two pointed at the same prefix by mistake would list each other's blobs and rotate
/// away each other's index snapshots, so the first archive to use a prefix claims it
/// (`<prefix>/index/claim.json`, written if absent) and any other is refused before it writes.
/// The claim's id lives in the index, so an archive rebuilt by `tsvault store restore` keeps it.
public struct StoreClaim: Codable, Sendable, Equatable {
    /// The archive's claim id (random, recorded in its index).
    public var archive: String
    public var host: String
    public var root: String
    public var claimedAt: Date

    public static let key = "claim.json"

    public var summary: String {
        "archive \(archive) at \(host):\(root), since \(claimedAt.formatted(.iso8601))"
    }
}

extension Archive {
    /// The id this archive claims its store with; nil for blobs in its own directory.
    public func storeClaimID() throws -> String? {
        try index.read { db in try String.fetchOne(db, sql: "SELECT claim FROM blob_store WHERE id = 1") }
    }

    /// Claims `store` (the prefix's `index/` area) for this archive, or checks that the claim
    /// there is this archive's. Throws `storeClaimed` naming the owner otherwise.
    @discardableResult
    public func claimStore(_ store: any ObjectBackend, now: Date = Date()) async throws -> StoreClaim {
        guard let id = try storeClaimID() else {
            throw ArchiveError.invalidInput("the archive at \(root) keeps its blobs in its own directory; it claims no store")
        }
        let mine = StoreClaim(archive: id, host: ProcessInfo.processInfo.hostName, root: root, claimedAt: now)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if try await store.put(StoreClaim.key, bytes: Array(try encoder.encode(mine)), ifAbsent: true) == .stored { return mine }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let bytes = try await store.get(StoreClaim.key)
        guard let found = try? decoder.decode(StoreClaim.self, from: Data(bytes)) else {
            throw ArchiveError.storeClaimed(location: store.location, owner: "an unreadable \(StoreClaim.key)")
        }
        guard found.archive == id else { throw ArchiveError.storeClaimed(location: store.location, owner: found.summary) }
        return found
    }
}
