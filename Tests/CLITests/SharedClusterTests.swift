import Foundation
import ObjectStore
import TestSupport
import Testing

/// Several workers, one storage cluster: two `tsvault run`s at once, each with its own
/// recorder and index, into one bucket of the real Ceph gateway under distinct prefixes; each
/// archive is exact and holds only its own objects; a third worker given a prefix already in
/// use is refused before it writes; a worker rebuilt with `store restore` is the same owner.
@Suite(.timeLimit(.minutes(12))) struct SharedClusterTests {
    static let now = "2026-11-02T01:00:00-05:00"

    struct Coverage: Decodable {
        struct Day: Decodable { var archivedMinutes: Int }
        var days: [Day]
        var archived: Int { days.reduce(0) { $0 + $1.archivedMinutes } }
    }

    struct Status: Decodable {
        struct Overview: Decodable { var blobs: Int }
        var overview: Overview
    }

    /// A worker's configuration: its own archive directory, recorder and prefix of `bucket`.
    static func worker(_ name: String, in work: String, recorder: RecorderFixture, bucket: String) throws -> String {
        let directory = work + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try CephGateway.storeYAML(bucket: bucket, prefix: "site-" + name)
        let path = try ConfigFile.write(port: recorder.port, key: recorder.apiKey, directory: directory, channels: "[1]", extra: store)
        let yaml = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "name: nvr", with: "name: nvr-" + name)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A nightly run, waited for on a Dispatch thread: two waits blocking Swift's cooperative
    /// threads (two on this machine) would starve the simulators in this process. Two runs at
    /// once take longer than the usual limit for one command.
    static func run(_ config: String) async throws -> BuiltProducts.CommandResult {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async {
                done.resume(
                    with: Result {
                        try BuiltProducts.tsvault(["run", "--config", config, "--now", now], environment: [:], limit: .seconds(360))
                    })
            }
        }
    }

    @Test func twoWorkersShareOneBucketUnderTheirOwnPrefixesAndAThirdOnATakenPrefixIsRefused() async throws {
        let s3 = try await CephGateway.bucket("shared")
        let bucket = s3.location.bucket
        // Two recorders whose pictures differ, so that the two archives hold different blobs.
        try await RecorderFixture.with(SyntheticArchive.recorder()) { first in
            try await RecorderFixture.with(SyntheticArchive.recorder { $0.width = 80 }) { second in
                try await CLI.workspace("shared") { work in
                    let a = try Self.worker("a", in: work, recorder: first, bucket: bucket)
                    let b = try Self.worker("b", in: work, recorder: second, bucket: bucket)
                    async let runA = Self.run(a)
                    async let runB = Self.run(b)
                    let (ranA, ranB) = try await (runA, runB)
                    #expect(ranA.status == 0 && ranA.output.hasPrefix("run 1: COMPLETE"), "\(ranA)")
                    #expect(ranB.status == 0 && ranB.output.hasPrefix("run 1: COMPLETE"), "\(ranB)")

                    // Each archive is exact, and its prefix holds its own blobs and nothing else.
                    var blobKeys: [String: Set<String>] = [:]
                    for name in ["a", "b"] {
                        let archive = work + "/\(name)/archive"
                        let coverage = try CLI.run("coverage", "--archive", archive, "--json")
                        let covered = try JSONDecoder().decode(Coverage.self, from: Data(coverage.output.utf8))
                        #expect(covered.archived == 1558, "worker \(name) archived every recorded minute: \(coverage)")
                        let status = try CLI.run("status", "--archive", archive, "--json")
                        let indexed = try JSONDecoder().decode(Status.self, from: Data(status.output.utf8))
                        let listed = try await s3.list(prefix: "site-\(name)/blobs/")
                        #expect(listed.count == indexed.overview.blobs && indexed.overview.blobs > 0, "worker \(name): \(status)")
                        blobKeys[name] = Set(listed.map { String($0.key.split(separator: "/").last ?? "") })
                        let index = try await s3.list(prefix: "site-\(name)/index/").map(\.key)
                        #expect(index.contains("site-\(name)/index/claim.json") && index.count == 3, "claim, snapshot, sum: \(index)")
                    }
                    // Different pictures, different segments; only the exports' subtitle files (the
                    // recorders' clocks, compressed) can be alike, and each prefix keeps its own copy.
                    let shared = blobKeys["a"]!.intersection(blobKeys["b"]!)
                    #expect(shared.allSatisfy { $0.hasSuffix(".zst") }, "\(shared.count) of \(blobKeys["a"]!.count) alike: \(shared)")

                    // A third worker pointed at worker a's prefix stops before writing anything there.
                    let before = try await s3.list(prefix: "site-a/")
                    let c = try Self.worker("c", in: work, recorder: first, bucket: bucket)
                    let taken = try String(contentsOfFile: c, encoding: .utf8).replacingOccurrences(of: "/site-c", with: "/site-a")
                    try taken.write(toFile: c, atomically: true, encoding: .utf8)
                    let refused = try await Self.run(c)
                    #expect(refused.status == 64 && refused.errors.contains("belongs to another archive"), "\(refused)")
                    #expect(refused.errors.contains(work + "/a/archive"), "the owner is named: \(refused.errors)")
                    let after = try await s3.list(prefix: "site-a/")
                    #expect(after.map(\.key) == before.map(\.key) && after.map(\.size) == before.map(\.size))

                    // Worker a on a new machine: rebuilt from the bucket, it is still the owner.
                    try FileManager.default.removeItem(atPath: work + "/a/archive")
                    let restore = try CLI.run("store", "restore", "--config", a)
                    #expect(restore.status == 0, "\(restore)")
                    let again = try await Self.run(a)
                    #expect(again.status == 0 && again.output.hasPrefix("run 2: COMPLETE"), "\(again)")
                }
            }
        }
    }
}
