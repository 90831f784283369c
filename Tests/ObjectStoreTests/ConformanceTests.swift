import Crypto
import Foundation
import Logging
import ObjectStore
import TestSupport
import Testing

/// One conformance suite, every backend: the local directory, a bucket on the real Ceph
/// gateway, and that bucket behind the retry and instrumentation wrappers the archive uses.
@Suite(.timeLimit(.minutes(5))) struct ConformanceTests {
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "conformance-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(arguments: ObjectBackendConformance.cases) func localDirectory(_ conformance: ConformanceCase) async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let store = try LocalDirectoryBackend(root: scratch + "/store")
        try await conformance.run(store, scratch: scratch)
        #expect(store.abandonedWorkFiles().isEmpty, "work files left: \(store.abandonedWorkFiles())")
    }

    /// 5 MiB parts (S3's minimum) so that the large case is a four-part upload; pages of 7 keys
    /// so that listings follow continuation tokens; a prefix as a worker sharing the bucket has.
    @Test(arguments: ObjectBackendConformance.cases) func cephBucket(_ conformance: ConformanceCase) async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let client = try await CephGateway.bucket("conformance")
        let store = try S3Backend(client: client, prefix: "worker-a", partSize: S3Backend.minimumPartSize, listPageSize: 7)
        try await conformance.run(store, scratch: scratch)
        try await Self.expectNoUnfinishedUploads(client)
    }

    @Test(arguments: ObjectBackendConformance.cases) func cephBucketThroughTheWrappers(_ conformance: ConformanceCase) async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let client = try await CephGateway.bucket("wrapped")
        let logger = Logger(label: "conformance")
        let store = InstrumentedBackend(
            RetryingBackend(try S3Backend(client: client, partSize: S3Backend.minimumPartSize, listPageSize: 7), logger: logger),
            logger: logger)
        try await conformance.run(store, scratch: scratch)
    }

    /// Client-side encryption is transparent: the same suite, through AES-256-GCM, on both backends.
    @Test(arguments: ObjectBackendConformance.cases) func encryptedLocalDirectory(_ conformance: ConformanceCase) async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let store = EncryptingBackend(try LocalDirectoryBackend(root: scratch + "/store"), key: SymmetricKey(size: .bits256))
        try await conformance.run(store, scratch: scratch)
    }

    @Test(arguments: ObjectBackendConformance.cases) func encryptedCephBucket(_ conformance: ConformanceCase) async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let client = try await CephGateway.bucket("encrypted")
        let bucket = try S3Backend(client: client, partSize: S3Backend.minimumPartSize, listPageSize: 7)
        try await conformance.run(EncryptingBackend(bucket, key: SymmetricKey(size: .bits256)), scratch: scratch)
        try await Self.expectNoUnfinishedUploads(client)
    }

    /// A multipart upload that was refused (wrong digest) or cut off must not leave its parts behind.
    static func expectNoUnfinishedUploads(_ client: S3Client) async throws {
        let uploads = try await client.unfinishedUploads()
        #expect(uploads.isEmpty, "unfinished multipart uploads: \(uploads)")
    }
}
