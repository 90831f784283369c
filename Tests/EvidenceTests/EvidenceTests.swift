import Archive
import Evidence
import Foundation
import GRDB
import Remux
import TSAPI
import TSAPISimulator
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct EvidenceTests {
    static let seoul = TimeZone(identifier: "Asia/Seoul")!

    /// Exports a window through the client and ingests it, as a nightly run would.
    func archive(_ r: RecorderFixture, channel: Int, from: String, to: String, root: String) async throws -> Archive {
        let archive = try Archive(root: root)
        let download = root + "-dl"
        try FileManager.default.createDirectory(atPath: download, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: download) }
        let request = ExportRequest(channels: [channel], begin: r.date(from), end: r.date(to))
        _ = try await ExportDriver(client: r.client, zone: r.zone).run(request, into: download) { set in
            guard let video = set.video else { return }
            _ = try await archive.ingest(
                file: video.path, server: "sim", channel: channel, subtitle: set.subtitle?.path, recorderMD5: video.md5)
        }
        return archive
    }

    func workDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func request(_ r: RecorderFixture, channel: Int, from: String, to: String, output: String) -> EvidenceRequest {
        EvidenceRequest(
            server: "sim", channels: [channel], from: r.date(from), to: r.date(to), caseID: "CASE-42",
            requester: "Det. Kim", reason: "burglary at the loading dock", outputDirectory: output, timeZone: Self.seoul)
    }

    /// (stamp ms, payload md5) of every video packet, in file order.
    func stampedVideo(_ path: String) throws -> [(Int64, String)] {
        let reader = try PacketReader(path: path)
        var result: [(Int64, String)] = []
        while let p = try reader.next() {
            guard reader.streams[p.streamIndex].mediaType == "video" else { continue }
            result.append((try #require(InBandTimestamp.find(in: p.data)).utcMilliseconds, PacketDigest.md5Hex(p.data)))
        }
        return result
    }

    static func millis(_ iso: String) -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return Int64((f.date(from: iso)!.timeIntervalSince1970 * 1000).rounded())
    }

    @Test func extractedClipHoldsExactlyTheArchivedPacketsOfTheRange() async throws {
        try await RecorderFixture.with { r in
            let work = try workDirectory("evidence")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let archive = try await archive(r, channel: 1, from: "2026-11-25T10:00:00", to: "2026-11-25T10:04:00", root: work + "/archive")
            let manifest = try await EvidenceExtractor.extract(
                request(
                    r, channel: 1, from: "2026-11-25T10:00:31", to: "2026-11-25T10:02:15",
                    output: work + "/case"), archive: archive)
            let channel = try #require(manifest.channels.first)
            #expect(channel.parts.count == 1 && channel.gaps.isEmpty)
            let part = try #require(channel.parts.first)
            let clip = try stampedVideo(work + "/case/" + part.video.file)

            // The archived packets of the same range, from the segments themselves.
            var archived: [(Int64, String)] = []
            for segment in try archive.segments(server: "sim", channel: 1) {
                archived += try stampedVideo(archive.blobs.path(of: segment.sha256))
            }
            let start = r.date("2026-11-25T10:00:30").timeIntervalSince1970 * 1000
            let end = r.date("2026-11-25T10:02:15").timeIntervalSince1970 * 1000
            let expected = archived.filter { Double($0.0) >= start && Double($0.0) < end }
            #expect(clip.map(\.1) == expected.map(\.1) && clip.count == 1050, "lossless: same packets, same order")
            let actualFrom = try #require(channel.actual?.from)
            #expect(
                clip.first?.0 == Self.millis(part.firstFrameUTC) && Self.millis(actualFrom) == clip.first?.0,
                "starts at the keyframe at or before the requested start, as the manifest says")
            #expect(Self.millis(part.endUTC) == (clip.last?.0 ?? 0) + 100, "ends after the last frame (10 fps)")
            #expect(part.firstFrameLocal == "2026-11-25 10:00:30 +09:00" && part.sources.count == 3)
            #expect(part.sources.allSatisfy { $0.recorderMD5?.count == 32 && $0.segmentSHA256.count == 64 })
            #expect(try FFmpegCommandLine.decodeErrors(work + "/case/" + part.video.file) == "")

            let srt = try String(contentsOfFile: work + "/case/" + part.subtitles[0].file, encoding: .utf8)
            #expect(srt.hasPrefix("1\n00:00:00,000 --> 00:00:01,000\n2026-11-25 10:00:30 +09:00\n"))
            #expect(EvidenceVerifier.verify(directory: work + "/case").ok)
            #expect(try archive.holds(includeReleased: false).map(\.caseID) == ["CASE-42"])
            #expect(try archive.custodyEntries(caseID: "CASE-42").map(\.action) == ["hold-add", "extract"])
        }
    }

    @Test func anyTamperingMakesVerifyFailNamingTheFile() async throws {
        try await RecorderFixture.with { r in
            let work = try workDirectory("evidence-tamper")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let archive = try await archive(r, channel: 1, from: "2026-11-25T10:00:00", to: "2026-11-25T10:02:00", root: work + "/archive")
            let manifest = try await EvidenceExtractor.extract(
                request(
                    r, channel: 1, from: "2026-11-25T10:00:00", to: "2026-11-25T10:01:30",
                    output: work + "/case"), archive: archive)
            let part = try #require(manifest.channels.first?.parts.first)
            for file in [part.video.file, part.subtitles[0].file] {
                let copy = work + "/copy-\(UUID().uuidString)"
                try FileManager.default.copyItem(atPath: work + "/case", toPath: copy)
                var bytes = try Data(contentsOf: URL(fileURLWithPath: copy + "/" + file))
                bytes[bytes.count / 2] ^= 0x20
                try bytes.write(to: URL(fileURLWithPath: copy + "/" + file))
                let result = EvidenceVerifier.verify(directory: copy)
                // A clip's changed byte also breaks its Export File Format seal (ExportFileFormatTests).
                let expected = file == part.video.file ? 2 : 1
                #expect(
                    !result.ok && result.problems.count == expected && result.problems.allSatisfy { $0.hasPrefix("\(file): ") }
                        && result.problems[0].hasPrefix("\(file): SHA-256"), "\(result.problems)")
            }
            // An edited manifest no longer matches its signature.
            let edited = work + "/edited"
            try FileManager.default.copyItem(atPath: work + "/case", toPath: edited)
            let text = try String(contentsOfFile: edited + "/manifest.json", encoding: .utf8)
            try text.replacingOccurrences(of: "Det. Kim", with: "Det. Lee").write(
                toFile: edited + "/manifest.json", atomically: true, encoding: .utf8)
            let editedResult = EvidenceVerifier.verify(directory: edited)
            #expect(!editedResult.signatureValid && editedResult.problems.contains { $0.hasPrefix("manifest.json:") })
            // Another key than the one the recipient trusts.
            let otherKey = try EvidenceSigningKey.loadOrCreate(archiveRoot: work + "/other-archive").publicKeyHex
            let wrongKey = EvidenceVerifier.verify(directory: work + "/case", trustedPublicKeyHex: otherKey)
            #expect(!wrongKey.ok && wrongKey.problems.allSatisfy { $0.hasPrefix("manifest.json") } && wrongKey.problems.count == 2)
            #expect(EvidenceVerifier.verify(directory: work + "/case", trustedPublicKeyHex: manifest.publicKey).ok)
            // The signing key is owner-only.
            let mode =
                try FileManager.default.attributesOfItem(atPath: work + "/archive/keys/evidence-ed25519.key")[.posixPermissions]
                as? NSNumber
            #expect(mode?.intValue == 0o600)
        }
    }

    @Test func aGapInsideTheRangeIsKeptAsAGap() async throws {
        try await RecorderFixture.with { r in
            let work = try workDirectory("evidence-gap")
            defer { try? FileManager.default.removeItem(atPath: work) }
            // Channel 2 records motion clips only.
            let archive = try await archive(r, channel: 2, from: "2026-11-25T09:00:00", to: "2026-11-25T10:00:00", root: work + "/archive")
            let manifest = try await EvidenceExtractor.extract(
                request(
                    r, channel: 2, from: "2026-11-25T09:00:00", to: "2026-11-25T10:00:00",
                    output: work + "/case"), archive: archive)
            let channel = try #require(manifest.channels.first)
            #expect(channel.parts.count >= 2 && channel.gaps.count >= channel.parts.count - 1)
            for (part, next) in zip(channel.parts, channel.parts.dropFirst()) {
                #expect(
                    channel.gaps.contains {
                        Self.millis($0.from) == Self.millis(part.endUTC) && Self.millis($0.to) == Self.millis(next.firstFrameUTC)
                    },
                    "the gap between parts is listed exactly")
            }
            for part in channel.parts {
                let frames = try stampedVideo(work + "/case/" + part.video.file)
                #expect(frames.first?.0 == Self.millis(part.firstFrameUTC) && frames.count == part.frames)
                let steps = zip(frames, frames.dropFirst()).map { $1.0 - $0.0 }
                #expect(steps.allSatisfy { $0 == 100 }, "no gap bridged inside a part")
            }
        }
    }

    @Test func editingOrDeletingACustodyEntryIsDetected() async throws {
        let work = try workDirectory("custody")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let archive = try Archive(root: work)
        let hold = try archive.addHold(
            caseID: "C1", server: "s", channel: 1, startMicros: 0, endMicros: 60_000_000, reason: "r", actor: "a")
        #expect(throws: ArchiveError.self) { try archive.releaseHold(hold.id, reason: " ", actor: "a") }
        try archive.releaseHold(hold.id, reason: "case closed", actor: "a")
        try archive.appendCustody(action: "verify", caseID: "C1", actor: "a", details: ["ok": "true"])
        #expect(try archive.checkCustody().intact && archive.checkCustody().entries == 3)
        #expect(try !archive.isHeld(server: "s", channel: 1, startMicros: 0, endMicros: 1))

        let db = try DatabaseQueue(path: work + "/index.sqlite")
        try await db.write { try $0.execute(sql: "UPDATE custody_log SET actor = 'mallory' WHERE id = 2") }
        let edited = try archive.checkCustody()
        #expect(!edited.intact && edited.problems == ["entry 2 was changed after it was written"])
        try await db.write { try $0.execute(sql: "UPDATE custody_log SET actor = 'a' WHERE id = 2") }
        #expect(try archive.checkCustody().intact)
        try await db.write { try $0.execute(sql: "DELETE FROM custody_log WHERE id = 2") }
        #expect(try archive.checkCustody().problems.contains("entry 2 is missing (deleted)"))
        try await db.write { try $0.execute(sql: "DELETE FROM custody_log WHERE id = 3") }
        #expect(try archive.checkCustody().problems.contains { $0.contains("ends before its last entry 3") })
    }
}
