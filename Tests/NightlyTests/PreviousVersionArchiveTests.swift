import Archive
import Foundation
import Nightly
import Testing

/// An archive written by tsvault 0.2.0 (the release before window, run and retention states
/// became enums): two runs against a two-channel simulator (the first with its run window
/// closed, the second complete), a legal hold, retention by age, a backup push. Kept as its
/// index only (`Fixtures/archive-0.2.0/index.sqlite`, vacuumed); the blobs are not needed to
/// read the ledger. It must open and read unchanged.
@Suite struct PreviousVersionArchiveTests {
    /// A copy, so opening it (which may write) leaves the fixture as it is.
    static func openCopy() throws -> (Archive, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("archive-0.2.0-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/archive-0.2.0/index.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: root + "/index.sqlite")
        return (try Archive(existing: root), root)
    }

    @Test func runsWindowsAndReportsReadAsTheirEnums() throws {
        let (archive, root) = try Self.openCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try archive.runs().map(\.status) == [.complete, .incomplete])
        let closed = try archive.windows(ofRun: 1)
        #expect(closed.count == 94 && closed.allSatisfy { $0.status == .notStarted && $0.attempts == 0 })
        #expect(closed.allSatisfy { $0.error == "the run window closed before this export could start" })
        let archived = try archive.windows(ofRun: 2)
        #expect(archived.count == 94 && archived.allSatisfy { $0.status == .archived && $0.files > 0 })
        let first = try RunReport(storedJSON: try #require(try archive.runReportJSON(1)))
        #expect(!first.complete && first.cutShort == nil && first.retention == nil && first.backups == nil)
        let second = try RunReport(storedJSON: try #require(try archive.runReportJSON(2)))
        #expect(second.complete && second.servers.map(\.name) == ["nvr"] && second.servers[0].channels.map(\.channel) == [1, 2])
    }

    @Test func custodyHoldsAndSegmentsReadAndANewRunIsRecorded() async throws {
        let (archive, root) = try Self.openCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let custody = try archive.checkCustody()
        #expect(custody.intact && custody.entries == 93, "\(custody)")
        let holds = try archive.holds(includeReleased: false)
        #expect(holds.map(\.caseID) == ["C-1"])
        #expect(try await archive.counts().segments == 30, "what the hold kept from retention")
        // The v11 rebuild of `exports` (source_sha256 may be NULL since) kept every row and hash.
        let sources = try (1...97).map { try #require(try archive.exportSource(exportID: Int64($0))) }
        #expect(sources.allSatisfy { $0.sha256?.count == 64 && $0.size > 0 })
        #expect(
            try archive.archivedIntervals(server: "nvr", channel: 1, from: 0, to: .max) == [1_795_482_000_000_000..<1_795_483_800_000_000])
        let run = try archive.startRun()
        try archive.finishRun(run, status: .complete, reportJSON: "{}")
        let newest = try archive.runs().first
        #expect(run == 3 && newest?.id == 3 && newest?.status == .complete)
    }
}
