import Archive
import Backup
import Foundation
import Logging
import ObjectStore
import TSAPI

/// Opens archives with their blobs where the configuration (`store:`) or the archive's own
/// index says: in `<archive>/blobs`, or in an S3-compatible bucket — `<prefix>/blobs/ab/cd/…`
/// for the blobs and `<prefix>/index/` for the index snapshots pushed after each run.
public enum ArchiveStore {
    /// The configured archive, created when new unless `existing`.
    public static func open(_ config: TSVaultConfiguration, existing: Bool = false, logger: Logger) throws -> Archive {
        guard let store = config.store else { return existing ? try Archive(existing: config.archive) : try Archive(root: config.archive) }
        let backend = try blobBackend(store, logger: logger)
        let settings = try recordedSettings(store)
        return existing
            ? try Archive(existing: config.archive, store: backend, settings: settings)
            : try Archive(root: config.archive, store: backend, settings: settings)
    }

    /// The archive of `config`, for a command that writes to it (a run, the daemon, an
    /// ingest): an archive in a bucket first claims its prefix, so that a second worker given
    /// the same prefix stops here instead of mixing its index snapshots with the first's.
    public static func openForWriting(_ config: TSVaultConfiguration, logger: Logger) async throws -> Archive {
        let archive = try open(config, logger: logger)
        if let store = config.store { try await archive.claimStore(try indexBackend(store, logger: logger)) }
        return archive
    }

    /// An archive by its directory alone (`--archive`): its blobs in the directory, or in the
    /// store its index names, reached with the settings recorded there (secret references
    /// only: a secret written into the configuration file is not recorded, so such an archive
    /// opens only through its configuration).
    public static func open(root: String, existing: Bool = true, logger: Logger) throws -> Archive {
        guard let recorded = try Archive.recordedStore(root: root) else {
            return existing ? try Archive(existing: root) : try Archive(root: root)
        }
        guard let store = try? JSONDecoder().decode(TSVaultConfiguration.Store.self, from: Data(recorded.settings.utf8)),
            store.accessKey.sourceCount == 1, store.secretKey.sourceCount == 1
        else { throw ArchiveError.storeMismatch(archive: root, recorded: recorded.location, given: nil) }
        return try Archive(existing: root, store: try blobBackend(store, logger: logger), settings: recorded.settings)
    }

    /// The bucket's blobs, behind the retry and instrumentation wrappers.
    public static func blobBackend(_ store: TSVaultConfiguration.Store, logger: Logger) throws -> any ObjectBackend {
        try backend(store, under: "blobs", logger: logger)
    }

    /// The bucket's index snapshots.
    public static func indexBackend(_ store: TSVaultConfiguration.Store, logger: Logger) throws -> any ObjectBackend {
        try backend(store, under: "index", logger: logger)
    }

    /// A bucket target of `backup.buckets`, opened (initialized on first use) with its key;
    /// pushes to it are serialized on a lock directory in the archive.
    public static func bucketTarget(
        _ target: TSVaultConfiguration.BucketTarget, archiveRoot: String, logger: Logger
    ) async throws
        -> BackupTarget
    {
        let key = try EncryptingBackend.loadKey(path: target.keyFile)
        return try await BackupTarget.open(
            storage: try backend(target.bucket, under: nil, logger: logger),
            blobStorage: try backend(target.bucket, under: "blobs", logger: logger),
            label: target.label, key: key, lockDirectory: archiveRoot + "/backup-locks/" + target.label, scratch: archiveRoot + "/tmp")
    }

    static func backend(_ store: TSVaultConfiguration.Store, under folder: String?, logger: Logger) throws -> any ObjectBackend {
        guard let (bucket, prefix) = store.bucketAndPrefix, let endpoint = URL(string: store.endpoint) else {
            throw ArchiveError.invalidInput(
                "store.url \(store.url) or store.endpoint \(store.endpoint) is not valid (tsvault config check)")
        }
        guard let accessSource = store.accessKey.source, let secretSource = store.secretKey.source else {
            throw ArchiveError.invalidInput("store.accessKey and store.secretKey each need env:, file: or credential:")
        }
        let signer = SigV4Signer(
            accessKeyID: try accessSource.resolve().reveal(), secretAccessKey: try secretSource.resolve().reveal(), region: store.region)
        let client = S3Client(
            location: S3Location(endpoint: endpoint, region: store.region, bucket: bucket, pathStyle: store.addressing == .path),
            signer: signer, http: try S3Client.httpClient(caFile: store.caFile))
        let s3 = try S3Backend(
            client: client, prefix: [prefix, folder ?? ""].filter { !$0.isEmpty }.joined(separator: "/"), partSize: store.partSizeMB << 20,
            conditionalWrites: store.conditionalWrites)
        return InstrumentedBackend(RetryingBackend(s3, logger: logger), logger: logger)
    }

    /// The store's settings as the index records them: secret references, never a value.
    static func recordedSettings(_ store: TSVaultConfiguration.Store) throws -> String {
        var recorded = store
        recorded.accessKey.value = nil
        recorded.secretKey.value = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(recorded), as: UTF8.self)
    }
}
