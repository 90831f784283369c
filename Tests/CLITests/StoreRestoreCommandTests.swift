import Foundation
import Nightly
import ObjectStore
import TestSupport
import Testing

/// An archive whose blobs are in a bucket on the real Ceph gateway (`store:`): the nightly run
/// into it, the archive commands through the store its index names, `store restore` on a
/// "new machine" from the bucket alone, a tampered object, and refusals.
@Suite(.timeLimit(.minutes(6))) struct StoreRestoreCommandTests {
    static let now = "2026-11-02T01:00:00-05:00"

    struct Coverage: Decodable {
        struct Day: Decodable { var archivedMinutes: Int }
        var days: [Day]
        var archived: Int { days.reduce(0) { $0 + $1.archivedMinutes } }
    }

    struct Verify: Decodable {
        struct Failure: Decodable { var sha256: String }
        var checked: Int
        var failures: [Failure]
    }

    struct Restored: Decodable {
        var snapshot: String
        var segments: Int
        var blobs: Int
        var store: String
    }

    /// The command's JSON, or an error that shows what it printed instead.
    static func decode<T: Decodable>(_ type: T.Type, _ result: BuiltProducts.CommandResult) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(result.output.utf8)) } catch {
            throw FixtureError("not \(type) JSON (\(error)): \(result)")
        }
    }

    @Test func aRunIntoABucketArchivesExactlyAndTheBucketAloneRestoresTheArchive() async throws {
        let s3 = try await CephGateway.bucket("store")
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("store") { work in
                let store = try CephGateway.storeYAML(bucket: s3.location.bucket, prefix: "site-a")
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]", extra: store)
                let run = try CLI.run("run", "--config", config, "--now", Self.now)
                #expect(run.status == 0 && run.output.hasPrefix("run 1: COMPLETE"), "\(run)")
                let snapshotLine = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("index snapshot to ") })
                #expect(snapshotLine.hasPrefix("index snapshot to s3://\(s3.location.bucket)/site-a/index: 2026"), "\(snapshotLine)")
                #expect(!FileManager.default.fileExists(atPath: work + "/archive/blobs"), "no blob is kept on the local disk")

                // The archive commands reach the bucket through the store the index names.
                let coverage = try CLI.run("coverage", "--archive", work + "/archive", "--json")
                let covered = try Self.decode(Coverage.self, coverage)
                #expect(coverage.status == 0 && covered.archived == 1558, "every recorded minute: \(coverage)")
                let objects = try await s3.list(prefix: "site-a/blobs/")
                let deep = try CLI.run("verify", "--archive", work + "/archive", "--deep", "--json")
                let checked = try Self.decode(Verify.self, deep)
                #expect(deep.status == 0 && checked.failures.isEmpty && checked.checked == objects.count, "\(deep)")
                let package = work + "/package"
                let extract = try CLI.run(
                    "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", "2026-11-01T10:00:00-05:00", "--to",
                    "2026-11-01T10:05:00-05:00", "--case", "C-3", "--requester", "Det. Kim", "--reason", "test", "--output", package,
                    "--archive", work + "/archive")
                #expect(extract.status == 0, "\(extract)")
                let verified = try CLI.run("evidence", "verify", package, "--archive", work + "/archive")
                #expect(verified.status == 0, "\(verified)")

                // A new machine: the archive directory is gone, the configuration and the bucket remain.
                try FileManager.default.removeItem(atPath: work + "/archive")
                let restore = try CLI.run("store", "restore", "--config", config, "--json")
                let restored = try Self.decode(Restored.self, restore)
                #expect(restore.status == 0 && restored.blobs == objects.count && restored.segments > 0, "\(restore)")
                #expect(snapshotLine.hasSuffix(restored.snapshot) && restored.store == "s3://\(s3.location.bucket)/site-a/index")
                let again = try CLI.run("coverage", "--archive", work + "/archive", "--json")
                let recovered = try Self.decode(Coverage.self, again)
                #expect(recovered.archived == 1558, "\(again)")
                let full = try CLI.run("verify", "--archive", work + "/archive", "--full", "--json")
                let fullReport = try Self.decode(Verify.self, full)
                #expect(full.status == 0 && fullReport.checked == objects.count, "\(full)")

                // A tampered object (same size, other bytes) is found by verify.
                let victim = try #require(objects.first)
                let original = try await s3.get(victim.key)
                var tampered = original
                tampered[tampered.count / 2] ^= 0xFF
                try await s3.put(victim.key, tampered)
                let damaged = try CLI.run("verify", "--archive", work + "/archive", "--full", "--json")
                let report = try Self.decode(Verify.self, damaged)
                let sha = String(victim.key.split(separator: "/").last ?? "")
                #expect(damaged.status == 1 && report.failures.map(\.sha256) == [sha], "\(damaged)")
            }
        }
    }

    @Test func wrongCredentialsAndAMissingBucketExit8NamingTheStoreNotTheSecret() async throws {
        try await CLI.workspace("store-refused") { work in
            let access = try CephGateway.access.get()
            let s3 = try await CephGateway.bucket("refused")
            let store = try CephGateway.storeYAML(bucket: s3.location.bucket, prefix: "site-a")
            let config = try ConfigFile.write(port: 1, key: "k", directory: work, extra: store)
            let wrong = try CLI.run("store", "restore", "--config", config, environment: ["TSVAULT_S3_SECRET_KEY": "wrong-secret-0123"])
            #expect(wrong.status == 8 && wrong.errors.contains("SignatureDoesNotMatch"), "\(wrong)")
            #expect(!wrong.errors.contains("wrong-secret-0123") && !wrong.errors.contains(access.secretKey))
            let empty = try CLI.run("store", "restore", "--config", config)
            #expect(empty.status == 64 && empty.errors.contains("holds no index snapshot"), "\(empty)")
            let missing = try ConfigFile.write(
                port: 1, key: "k", directory: work, extra: try CephGateway.storeYAML(bucket: "no-such-bucket-tsvault", prefix: "x"))
            let absent = try CLI.run("store", "restore", "--config", missing)
            #expect(absent.status == 8 && absent.errors.contains("NoSuchBucket"), "\(absent)")
        }
    }
}
