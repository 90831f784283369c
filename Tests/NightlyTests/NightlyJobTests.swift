import Archive
import Backup
import Foundation
import Nightly
import TestSupport
import Testing

/// The nightly job as `tsvault run` runs it: the steps after the export run, the run window,
/// and SIGTERM.
@Suite(.timeLimit(.minutes(5))) struct NightlyJobTests {
    static let now = "2026-11-02T01:00:00-05:00"

    /// The stored report of run `id`, as `tsvault report --json` prints it.
    static func storedReport(_ archive: Archive, _ id: Int64) throws -> RunReport {
        try RunReport(storedJSON: try #require(try archive.runReportJSON(id)))
    }

    @Test func tsvaultRunAppliesRetentionScrubAndBackupsAndItsReportListsThem() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("job-steps")
            defer { try? FileManager.default.removeItem(atPath: work) }
            _ = try BackupTarget(root: work + "/disk-a", initializeWithLabel: "A")
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]",
                extra: "retention: { quotaGB: 100 }\nscrub: { gbPerRun: 0.001 }\nbackup: { targets: [\(work)/disk-a, \(work)/disk-b] }")
            let (status, output) = try BuiltProducts.runTSVault(["run", "--config", work + "/tsvault.yaml", "--now", Self.now])
            #expect(status == 0, "\(output)")
            let archive = try Archive(root: config.archive)
            let report = try Self.storedReport(archive, 1)
            #expect(report.complete && report.cutShort == nil && report.skippedSteps == nil)
            let stored = try archive.retentionPlan(RetentionPolicy()).storedBytesBefore
            let retention = try #require(report.retention)
            #expect(
                retention.error == nil && retention.deletedSegments == 0 && retention.storedBytes == stored && retention.overQuotaBytes == 0
            )
            let scrub = try #require(report.scrub)
            #expect(scrub.error == nil && scrub.bytes >= 1_000_000 && scrub.checkedBlobs > 0 && scrub.damagedBlobs.isEmpty, "\(scrub)")
            let backups = try #require(report.backups)
            #expect(backups.map(\.status) == [.pushed, .skipped] && backups.map(\.target) == [work + "/disk-a", work + "/disk-b"])
            #expect(backups[0].label == "A" && (backups[0].copiedBlobs ?? 0) > 0 && backups[0].damagedBlobs == 0)
            let verified = try await BackupTarget(root: work + "/disk-a").verify(full: true)
            #expect(verified.ok)
            #expect(output.contains("retention: deleted 0 segments (0 bytes), 0 kept by holds, 0 kept for events, \(stored) bytes stored"))
            #expect(output.contains("scrub: re-checked \(scrub.checkedBlobs) blobs (\(scrub.bytes) bytes), none damaged"))
            #expect(output.contains("backup A (\(work)/disk-a): pushed snapshot \(backups[0].snapshot ?? "-")"))
            #expect(output.contains("backup \(work)/disk-b: skipped (not mounted or not a backup target)"))

            // The same job with every step left out: nothing to export, the report says what was skipped.
            let skipped = try BuiltProducts.runTSVault([
                "run", "--config", work + "/tsvault.yaml", "--now", Self.now,
                "--no-retention", "--no-scrub", "--no-backup"
            ])
            #expect(skipped.status == 0, "\(skipped.output)")
            let second = try Self.storedReport(archive, 2)
            #expect(
                second.skippedSteps == [.retention, .scrub, .backup] && second.retention == nil && second.scrub == nil
                    && second.backups == nil)
            #expect(skipped.output.contains("skipped: retention, scrub, backup (left out on the command line)"))

            // A quota the footage of the look-back exceeds: nothing may be deleted, and the run says so with exit 1.
            _ = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 3]",
                extra: "retention: { quotaGB: 0.001 }")
            let over = try BuiltProducts.runTSVault(["run", "--config", work + "/tsvault.yaml", "--now", Self.now])
            #expect(over.status == 1 && over.output.contains("OVER QUOTA by \(stored - 1_000_000) bytes"), "\(over.output)")
            #expect(try Self.storedReport(archive, 3).followUpProblems.count == 1)
        }
    }

    @Test func sigtermMidExportArchivesTheFileInFlightExits75AndTheNextRunCompletes() async throws {
        try await RecorderFixture.with(NightlyRunTests.recorder()) { r in
            let work = try FixtureDirectory.make("job-term")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = try NightlyRunTests.configuration(
                port: r.port, key: r.apiKey, directory: work, channels: "[1, 2, 3, 4]",
                extra: "scrub: { gbPerRun: 1 }")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
            process.arguments = ["run", "--config", work + "/tsvault.yaml", "--now", Self.now]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ProcessDeadline(process, limit: .seconds(120), what: "tsvault run")
            // An export is in flight once its download directory exists.
            let began = ContinuousClock.now
            func exporting() -> Bool {
                ((try? FileManager.default.contentsOfDirectory(atPath: config.archive + "/tmp")) ?? []).contains {
                    $0.hasPrefix("download-")
                }
            }
            while process.isRunning, !exporting(), ContinuousClock.now - began < .seconds(60) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(exporting(), "the run started an export")
            kill(process.processIdentifier, SIGTERM)
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            try deadline.waitForExit(process)
            #expect(process.terminationStatus == 75, "\(text)")
            #expect(text.contains("CUT SHORT") && text.contains("skipped: scrub (after the shutdown)"), "\(text)")

            let archive = try Archive(root: config.archive)
            let report = try Self.storedReport(archive, 1)
            #expect(report.cutShort == true && !report.complete && report.skippedSteps == [.scrub] && report.scrub == nil)
            let windows = try archive.windows(ofRun: 1)
            #expect(
                windows.contains { $0.status == .archived && $0.files > 0 }, "the export in flight was archived: \(windows.map(\.status))")
            #expect(windows.contains { $0.status == .notStarted && ($0.error ?? "").contains("shutting down") })
            #expect(
                windows.allSatisfy { [.archived, .noData, .notStarted].contains($0.status) },
                "nothing aborted: \(windows.filter { $0.status == .failed }.map { $0.error ?? "" })")
            let counts = try await archive.counts()
            #expect(counts.blobFiles == counts.blobs, "no blob on disk lacks an index row")
            #expect(try FileManager.default.contentsOfDirectory(atPath: config.archive + "/tmp").isEmpty, "no temporary file left")

            let next = try BuiltProducts.runTSVault(["run", "--config", work + "/tsvault.yaml", "--now", Self.now])
            #expect(next.status == 0, "\(next.output)")
            try await NightlyRunTests.expectExactCoverage(r, archive: archive, channels: [1, 2, 3, 4])
        }
    }
}
