import Archive
import Foundation
import TestSupport
import Testing

/// Retention over real ingested footage: what it deletes by age and by quota, what it keeps
/// (legal holds, the protected recent days), the custody log, and an archive that verifies
/// clean afterwards.
@Suite(.timeLimit(.minutes(5))) struct RetentionTests {
    /// Five minutes of channel 1 on each of Nov 23, 24 and 25 (Seoul), ingested.
    static let windows = [
        ("2026-11-23T10:00:00", "2026-11-23T10:05:00"), ("2026-11-24T10:00:00", "2026-11-24T10:05:00"),
        ("2026-11-25T10:00:00", "2026-11-25T10:05:00")
    ]

    func withArchive(_ body: @Sendable (Archive, RecorderFixture) async throws -> Void) async throws {
        try await RecorderFixture.with { r in
            let work = try ArchiveFixture.temporaryDirectory("retention")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let exports = try await ArchiveFixture.export(r, channel: 1, windows: Self.windows, into: work)
            let archive = try Archive(root: work + "/archive")
            for file in exports.flatMap({ $0 }) {
                _ = try await archive.ingest(file: file.path, server: "sim", channel: 1, recorderMD5: file.md5)
            }
            try await body(archive, r)
        }
    }

    static func micros(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1_000_000) }

    static func blobFiles(_ archive: Archive) async throws -> Int { try await archive.blobs.storedNames().count }

    @Test func ageDeletesOldFootageButNotWhatIsHeldAndLogsItInCustody() async throws {
        try await withArchive { archive, r in
            let now = r.date("2026-11-25T12:00:00")
            #expect(try archive.segments(server: "sim", channel: 1).count == 15)
            // A hold on two minutes of the oldest day.
            _ = try archive.addHold(
                caseID: "CASE-7", server: "sim", channel: 1, startMicros: Self.micros(r.date("2026-11-23T10:01:00")),
                endMicros: Self.micros(r.date("2026-11-23T10:03:00")), reason: "incident", actor: "tester")
            let plan = try archive.retentionPlan(RetentionPolicy(maxAgeDays: 1), now: now)
            // Cut-off Nov 24 12:00: all of Nov 23 and Nov 24 but the two held minutes.
            #expect(plan.segments == 8 && plan.heldSegments == 2, "\(plan)")
            #expect(plan.ranges.allSatisfy { $0.reason == .age && $0.endMicros <= Self.micros(r.date("2026-11-24T12:00:00")) })
            #expect(try archive.segments(server: "sim", channel: 1).count == 15, "planning deletes nothing")

            let filesBefore = try await Self.blobFiles(archive)
            let result = try await archive.applyRetention(plan, actor: "tester", policyText: "maxAgeDays 1")
            #expect(result.deletedSegments == 8 && result.deletedBlobs == 8 && result.bytesFreed == plan.bytesFreed)
            #expect(try await Self.blobFiles(archive) == filesBefore - 8, "the blob files are gone")
            let left = try archive.segments(server: "sim", channel: 1).map(\.startMicros)
            let expected =
                [r.date("2026-11-23T10:01:00"), r.date("2026-11-23T10:02:00")].map(Self.micros)
                + (0..<5).map { Self.micros(r.date("2026-11-25T10:00:00").addingTimeInterval(Double($0 * 60))) }
            #expect(left == expected, "held minutes and the newest day remain, minute for minute")

            let verify = try await archive.verify(level: .full)
            #expect(verify.ok && verify.orphans.isEmpty, "\(verify)")
            let custody = try archive.custodyEntries().filter { $0.action == "retention-delete" }
            #expect(
                custody.count == plan.ranges.count && custody.allSatisfy { $0.details.contains("maxAgeDays 1") && $0.actor == "tester" })
            #expect(try archive.checkCustody().intact)
        }
    }

    @Test func quotaDeletesOldestFirstAndNeverTheProtectedDays() async throws {
        try await withArchive { archive, r in
            let now = r.date("2026-11-25T12:00:00")
            let segments = try archive.segments(server: "sim", channel: 1)
            let stored = try archive.retentionPlan(RetentionPolicy(), now: now).storedBytesBefore
            // Room for all but about three minutes: the three oldest go.
            let firstThree = segments.prefix(3).reduce(Int64(0)) { total, segment in
                total
                    + ((try? FileManager.default.attributesOfItem(atPath: archive.blobs.path(of: segment.sha256))[.size] as? NSNumber)?
                        .int64Value ?? 0)
            }
            let plan = try archive.retentionPlan(RetentionPolicy(quotaBytes: stored - firstThree + 1), now: now)
            #expect(plan.segments == 3 && plan.quotaShortfallBytes == 0, "\(plan)")
            #expect(plan.ranges.map(\.startMicros) == [segments[0].startMicros] && plan.ranges[0].reason == .quota)

            // A quota nothing can meet: everything before the protected day goes, and the
            // shortfall is reported; Nov 25 stays.
            let protect = r.date("2026-11-25T00:00:00")
            let tight = try archive.retentionPlan(RetentionPolicy(quotaBytes: 1, protectAfter: protect), now: now)
            #expect(tight.segments == 10 && tight.quotaShortfallBytes > 0, "\(tight)")
            _ = try await archive.applyRetention(tight, actor: "tester", policyText: "quotaGB 0")
            #expect(try archive.segments(server: "sim", channel: 1).allSatisfy { $0.startMicros >= Self.micros(protect) })
            #expect(try archive.segments(server: "sim", channel: 1).count == 5)
            #expect(try await archive.verify(level: .quick).ok)
        }
    }

    @Test func eventFootageOutlivesTheAgeLimitAndGoesLastUnderAQuota() async throws {
        try await withArchive { archive, r in
            let now = r.date("2026-11-25T12:00:00")
            // Motion at 10:02:10 on Nov 23 protects 10:01:40–10:03:10: the minutes 10:01, 10:02, 10:03.
            // A camera event at 10:04:30 is not a kept type.
            try archive.recordEvents(
                server: "sim",
                [
                    ArchivedEvent(
                        channel: 1, recorderID: 7, typeName: "Motion detection", codeName: "Motion detected",
                        beginMicros: Self.micros(r.date("2026-11-23T10:02:10")), endMicros: nil),
                    ArchivedEvent(
                        channel: 1, recorderID: 8, typeName: "Camera", codeName: "Disconnected",
                        beginMicros: Self.micros(r.date("2026-11-23T10:04:30")), endMicros: nil)
                ])
            #expect(try archive.recordEvents(server: "sim", archive.events(server: "sim", channel: 1)) == 0, "stored once")
            let motion = EventRetention(names: ["motion DETECTION"], keepDays: 30, beforeSeconds: 30, afterSeconds: 60)
            let minute = { (m: Int) in Self.micros(r.date("2026-11-23T10:00:00").addingTimeInterval(Double(m * 60))) }

            let byAge = try archive.retentionPlan(RetentionPolicy(maxAgeDays: 1, events: motion), now: now)
            #expect(byAge.segments == 7 && byAge.eventKeptSegments == 3, "\(byAge)")
            #expect(byAge.ranges.filter { $0.startMicros < minute(5) }.map(\.startMicros) == [minute(0), minute(4)])
            let expired = try archive.retentionPlan(
                RetentionPolicy(maxAgeDays: 1, events: EventRetention(names: ["Motion detection"], keepDays: 1)), now: now)
            #expect(expired.segments == 10 && expired.eventKeptSegments == 0, "an event older than keepDays protects nothing")
            let byCode = try archive.retentionPlan(
                RetentionPolicy(maxAgeDays: 1, events: EventRetention(names: ["disconnected"], keepDays: 30)), now: now)
            #expect(byCode.eventKeptSegments == 1, "a code name matches too: 10:04:30 −30 s/+60 s keeps the minute 10:04")

            // A quota nothing else can meet: the other footage goes first, then the event footage.
            let tight = try archive.retentionPlan(
                RetentionPolicy(quotaBytes: 1, protectAfter: r.date("2026-11-25T00:00:00"), events: motion), now: now)
            #expect(tight.segments == 10 && tight.eventKeptSegments == 0 && tight.quotaShortfallBytes > 0)
            let order = tight.ranges.map(\.startMicros)
            #expect(order.last == minute(1), "the event minutes are the last range: \(order)")
            // A quota the first pass meets leaves every event minute.
            let loose = try archive.retentionPlan(RetentionPolicy(quotaBytes: tight.storedBytesBefore - 1, events: motion), now: now)
            #expect(loose.segments == 1 && loose.ranges.first?.startMicros == minute(0) && loose.eventKeptSegments == 0)
            _ = try await archive.applyRetention(byAge, actor: "tester", policyText: "maxAgeDays 1, events")
            #expect(try archive.segments(server: "sim", channel: 1).prefix(3).map(\.startMicros) == [minute(1), minute(2), minute(3)])
        }
    }
}
