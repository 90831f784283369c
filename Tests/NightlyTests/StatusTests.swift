import Archive
import Backup
import Foundation
import Nightly
import TestSupport
import Testing

/// `tsvault status`: quiet when all is well, and each thing that needs an operator named.
@Suite(.timeLimit(.minutes(5))) struct StatusTests {
    @Test func statusIsOKAfterACompleteRunAndNamesWhatNeedsAttention() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("status")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(port: r.port, key: r.apiKey, directory: work, channels: "[1]")
            let archive = try Archive(root: config.archive)
            #expect(try OperatorStatus.assess(archive).attention == ["no nightly run has finished yet (tsvault run)"])

            let report = try await Runner(config: config, archive: archive, logger: NightlyRunTests.quiet).run(
                now: NightlyRunTests.recorderNow)
            #expect(report.complete)
            let fine = try OperatorStatus.assess(archive)
            #expect(fine.ok && fine.missingMinutesInLastRun == 0 && fine.overview.segments > 1000, "\(fine.attention)")
            #expect(try BuiltProducts.runTSVault(["status", "--archive", config.archive]).status == 0)

            let dayLater = try OperatorStatus.assess(archive, now: Date().addingTimeInterval(27 * 3600))
            #expect(dayLater.attention.count == 1 && dayLater.attention[0].hasSuffix("is the schedule running?"), "\(dayLater.attention)")

            _ = try await archive.pushBackup(to: BackupTarget(root: work + "/disk", initializeWithLabel: "A"), actor: "tester")
            #expect(try OperatorStatus.assess(archive).ok)
            let stale = try OperatorStatus.assess(archive, now: Date().addingTimeInterval(9 * 86_400), maxRunAge: 30 * 86_400)
            #expect(stale.attention.count == 1 && stale.attention[0].hasPrefix("backup A last pushed 9.0 days ago"), "\(stale.attention)")

            // One blob damaged and found by verify.
            let victim = try #require(try archive.segments(server: "nvr", channel: 1).first)
            let path = archive.blobs.path(of: victim.sha256)
            chmod(path, 0o644)
            var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = try await archive.verify(level: .full)
            let (status, text) = try BuiltProducts.runTSVault(["status", "--archive", config.archive])
            #expect(status == 1 && text.contains("STATUS: ATTENTION") && text.contains("1 blobs failed their last check"), "\(text)")
        }
    }
}
