import Foundation
import ObjectStore
import TestSupport
import Testing

/// The S3 gateway killed in the middle of a nightly run into a bucket, and in the middle of a
/// push to a bucket target (Scripts/ceph-cluster.sh gateway-stop/-start): nothing is published
/// that is not stored, the failure is named, and the next run or push completes.
@Suite(.timeLimit(.minutes(8))) struct StoreFaultTests {
    struct Verify: Decodable {
        struct Failure: Decodable { var sha256: String }
        var failures: [Failure]
        var checked: Int
    }

    struct Coverage: Decodable {
        struct Day: Decodable { var archivedMinutes: Int }
        var days: [Day]
    }

    static func gateway(_ action: String) throws {
        guard let dir = ProcessInfo.processInfo.environment["TSVAULT_CEPH_DIR"] else {
            throw FixtureError("no TSVAULT_CEPH_DIR: run the tests with Scripts/test.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.path("Scripts/ceph-cluster.sh"))
        process.arguments = ["gateway-" + action, dir]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try ProcessDeadline(process, limit: .seconds(90), what: "ceph-cluster.sh gateway-\(action)").waitForExit(process)
        guard process.terminationStatus == 0 else {
            throw FixtureError("ceph-cluster.sh gateway-\(action) exited \(process.terminationStatus)")
        }
    }

    /// Stops the gateway as soon as `prefix` holds `count` objects (polled every 20 ms).
    static func stopGateway(when s3: S3Client, holds count: Int, under prefix: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let objects = try? await s3.list(prefix: prefix), objects.count >= count {
                try gateway("stop")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("nothing reached \(prefix) within 60 s")
    }

    @Test func theGatewayKilledMidRunStopsTheRunCleanlyAndTheNextRunCompletes() async throws {
        let s3 = try await CephGateway.bucket("fault-run")
        defer { try? Self.gateway("start") }
        try await RecorderFixture.with(SyntheticArchive.recorder()) { r in
            try await CLI.workspace("fault-run") { work in
                let store = try CephGateway.storeYAML(bucket: s3.location.bucket, prefix: "site")
                let config = try ConfigFile.write(port: r.port, key: r.apiKey, directory: work, channels: "[1]", extra: store)
                let run = Task.detached { try CLI.run("run", "--config", config, "--now", "2026-11-02T01:00:00-05:00") }
                try await Self.stopGateway(when: s3, holds: 5, under: "site/blobs/")
                let cut = try await run.value
                try Self.gateway("start")
                #expect(cut.status == 74 && cut.output.hasPrefix("run 1: INCOMPLETE"), "\(cut)")
                #expect((cut.output + cut.errors).contains("the object store cannot be reached"), "the report names the store: \(cut)")
                #expect(cut.output.contains("index snapshot to s3://\(s3.location.bucket)/site/index: FAILED"), "\(cut)")

                // Every segment the index names is in the bucket: nothing was recorded before it was stored.
                let quick = try CLI.run("verify", "--archive", work + "/archive", "--quick", "--json")
                let indexed = try JSONDecoder().decode(Verify.self, from: Data(quick.output.utf8))
                #expect(quick.status == 0 && indexed.failures.isEmpty, "\(quick)")

                let again = try CLI.run("run", "--config", config, "--now", "2026-11-02T01:00:00-05:00")
                #expect(again.status == 0 && again.output.hasPrefix("run 2: COMPLETE"), "\(again)")
                let coverage = try CLI.run("coverage", "--archive", work + "/archive", "--json")
                let days = try JSONDecoder().decode(Coverage.self, from: Data(coverage.output.utf8)).days
                #expect(days.reduce(0) { $0 + $1.archivedMinutes } == 1558, "\(coverage)")
                let full = try CLI.run("verify", "--archive", work + "/archive", "--full", "--json")
                let sound = try JSONDecoder().decode(Verify.self, from: Data(full.output.utf8))
                #expect(full.status == 0 && sound.failures.isEmpty && sound.checked > 0, "\(full)")
            }
        }
    }

    @Test func theGatewayKilledMidPushPublishesNoSnapshotAndTheNextPushCompletes() async throws {
        let s3 = try await CephGateway.bucket("fault-push")
        defer { try? Self.gateway("start") }
        try await CLI.workspace("fault-push") { work in
            _ = try await SyntheticArchive.make(root: work + "/archive", minutes: 240)
            try BackupBucketTests.key(work + "/cloud-a.key")
            let config = try BackupBucketTests.config(work: work, bucket: s3.location.bucket, keyFile: work + "/cloud-a.key")
            let push = Task.detached { try CLI.run("backup", "push", "--config", config) }
            try await Self.stopGateway(when: s3, holds: 1, under: "offsite/blobs/")
            let cut = try await push.value
            try Self.gateway("start")
            #expect(cut.status == 74 && cut.output.contains("FAILED s3://"), "\(cut)")
            let snapshots = try await s3.list(prefix: "offsite/snapshots/")
            #expect(snapshots.isEmpty, "no snapshot was published: \(snapshots.map(\.key))")

            let again = try CLI.run("backup", "push", "--config", config)
            #expect(again.status == 0 && again.output.contains("backup cloud-a: snapshot"), "\(again)")
            let verify = try CLI.run("backup", "verify", "--bucket", "cloud-a", "--config", config, "--full")
            #expect(verify.status == 0 && verify.output.contains("1 snapshots, ") && verify.output.contains(" 0 problems"), "\(verify)")
        }
    }
}
