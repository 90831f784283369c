import Archive
import Backup
import Foundation
import Nightly
import TestSupport
import Testing

/// `tsvault backup push --config`: every mounted backup.targets directory, the absent ones
/// skipped, a failing one not stopping the rest, and exit codes that say which happened.
@Suite(.timeLimit(.minutes(5))) struct BackupRotationTests {
    struct Output: Decodable {
        var pushed: [BackupPushReport]
        var skipped: [String]
        var failed: [String]
    }

    @Test func pushesTheMountedTargetsSkipsTheAbsentAndReportsTheFailing() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("rotation")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (a, b) = (work + "/disk-a", work + "/disk-b")
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1]",
                extra: "backup: { targets: [\(b), \(a)], keepSnapshots: 3 }")
            let archive = try Archive(root: config.archive)
            #expect(
                try await Runner(config: config, archive: archive, logger: NightlyRunTests.quiet).run(now: NightlyRunTests.recorderNow)
                    .complete)
            let push = ["backup", "push", "--config", work + "/tsvault.yaml", "--json"]

            let (noDisk, noDiskText) = try BuiltProducts.runTSVault(push)
            let none = try JSONDecoder().decode(Output.self, from: Data(noDiskText.utf8))
            #expect(noDisk == 1 && none.pushed.isEmpty && none.skipped == [b, a], "no disk mounted is worth an alert")

            _ = try BackupTarget(root: a, initializeWithLabel: "A")
            let (one, oneText) = try BuiltProducts.runTSVault(push)
            let first = try JSONDecoder().decode(Output.self, from: Data(oneText.utf8))
            #expect(one == 0 && first.pushed.map(\.label) == ["A"] && first.skipped == [b] && first.pushed[0].copiedBlobs > 100)

            // Disk B is mounted but broken (its blob directory is a file): A is still pushed.
            _ = try BackupTarget(root: b, initializeWithLabel: "B")
            try FileManager.default.removeItem(atPath: b + "/blobs")
            _ = FileManager.default.createFile(atPath: b + "/blobs", contents: Data("broken".utf8))
            let (broken, brokenText) = try BuiltProducts.runTSVault(push)
            let third = try JSONDecoder().decode(Output.self, from: Data(brokenText.utf8))
            #expect(broken == 74 && third.failed.count == 1 && third.failed[0].hasPrefix(b) && third.pushed.map(\.label) == ["A"])
            let diskA = try BackupTarget(root: a)
            let checked = try await diskA.verify(full: true)
            let kept = try await diskA.snapshots()
            #expect(kept.count == 2 && checked.ok)
        }
    }
}
