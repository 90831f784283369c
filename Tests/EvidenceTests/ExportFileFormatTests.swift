import Archive
import Evidence
import ExportFileFormat
import Foundation
import Remux
import TestSupport
import Testing

/// Evidence clips as ONVIF Export File Format files, checked by referees that share no code
/// with tsvault: ffmpeg (packets, decoding), a Python walk of the boxes with the openssl
/// command line (structure, signature), and the package README's own OpenSSL commands.
@Suite(.timeLimit(.minutes(5))) struct ExportFileFormatTests {
    let base = EvidenceTests()

    /// A package of 10:00:31–10:02:15 of channel 1 (three segments), the archive beside it.
    func package(_ r: RecorderFixture, in work: String) async throws -> (Archive, EvidenceManifest) {
        let archive = try await base.archive(r, channel: 1, from: "2026-11-25T10:00:00", to: "2026-11-25T10:04:00", root: work + "/archive")
        let manifest = try await EvidenceExtractor.extract(
            base.request(r, channel: 1, from: "2026-11-25T10:00:31", to: "2026-11-25T10:02:15", output: work + "/case"), archive: archive)
        return (archive, manifest)
    }

    @Test func aClipHoldsTheArchivedPacketsPlaysAndItsSealVerifiesWithoutTsvault() async throws {
        try await RecorderFixture.with { r in
            let work = try base.workDirectory("eff")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (archive, manifest) = try await package(r, in: work)
            let part = try #require(manifest.channels.first?.parts.first)
            let clip = work + "/case/" + part.video.file
            let seal = try #require(part.seal)

            // Packets: the clip's are a contiguous run of the archived segments', by ffmpeg's framemd5.
            let clipPackets = try FFmpegCommandLine.videoPacketMD5s(clip)
            var archived: [String] = []
            for segment in try archive.segments(server: "sim", channel: 1) {
                archived += try FFmpegCommandLine.videoPacketMD5s(archive.blobs.path(of: segment.sha256))
            }
            let first = try #require(archived.firstIndex(of: clipPackets[0]))
            #expect(clipPackets.count == 1050 && Array(archived[first..<(first + clipPackets.count)]) == clipPackets)
            #expect(try FFmpegCommandLine.decodeErrors(clip) == "")

            // Structure and signature, read by a script of its own and the openssl command line.
            let checked = try PythonScript.run("Scripts/eff/verify_eff.py", [clip])
            #expect(checked.status == 0, "\(checked.output)")
            struct Report: Decodable {
                struct Source: Decodable {
                    var track: Int
                    var name: String
                    var line: String
                }
                struct Start: Decodable { var utc: String }
                var fragments: Int
                var tracks: [Int]
                var sources: [Source]
                var start: Start?
                var signatureOffset: Int64
                var signatureLength: Int
                var exportOperator: String
                var signatureAlgorithm: String?
            }
            let report = try JSONDecoder().decode(Report.self, from: Data(checked.output.utf8))
            #expect(report.fragments >= 10 && report.sources.map(\.line) == report.tracks.map { _ in "1" })
            #expect(report.exportOperator == "Det. Kim" && report.signatureOffset == seal.signatureOffset && report.signatureLength == 384)
            #expect(report.signatureAlgorithm?.contains("rsassaPss") == true && report.signatureAlgorithm?.contains(":20") == true)
            // The cstb start is the first frame's time (the clip has no B-frames: decode = presentation).
            let start = try #require(report.start?.utc)
            #expect(Self.millis(start) == EvidenceTests.millis(part.firstFrameUTC))

            // The README's OpenSSL commands, run as written.
            let readme = try String(contentsOfFile: work + "/case/README.txt", encoding: .utf8)
            let commands = readme.split(separator: "\n").filter {
                $0.hasPrefix("     openssl") || $0.hasPrefix("     dd") || $0.hasPrefix("     cp")
            }
            .map { String($0.dropFirst(5)).components(separatedBy: "     #")[0] }
            #expect(commands.count == 5, "\(readme)")
            let shell = try ShellScript.run(commands.joined(separator: "\n"), in: work + "/case")
            #expect(shell.status == 0 && shell.output.contains("Verified OK"), "\(shell.output)")
            #expect(shell.output.contains(try #require(manifest.clipCertificateSHA256)), "the certificate the manifest names")
            let result = EvidenceVerifier.verify(directory: work + "/case")
            #expect(result.ok && result.sealsChecked == 1, "\(result.problems)")
        }
    }

    @Test func aFlippedByteAReplacedCertificateOrAStrippedSignatureFailsVerifyNamingTheClip() async throws {
        try await RecorderFixture.with { r in
            let work = try base.workDirectory("eff-tamper")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let (archive, manifest) = try await package(r, in: work)
            let part = try #require(manifest.channels.first?.parts.first)
            let seal = try #require(part.seal)
            func tampered(_ change: (String) throws -> Void) throws -> EvidenceVerification {
                let copy = work + "/copy-\(UUID().uuidString)"
                try FileManager.default.copyItem(atPath: work + "/case", toPath: copy)
                try change(copy + "/" + part.video.file)
                return EvidenceVerifier.verify(directory: copy)
            }
            let file = part.video.file
            // One flipped byte: at the start, in the media, in the seal's certificate.
            for offset in [20, Int(part.video.size / 2), Int(seal.signatureOffset) + seal.signatureLength + 40] {
                let result = try tampered { path in
                    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                    bytes[offset] ^= 0x01
                    try bytes.write(to: URL(fileURLWithPath: path))
                }
                #expect(!result.ok && result.problems.contains { $0.hasPrefix("\(file): SHA-256") }, "\(result.problems)")
                #expect(result.problems.contains { $0.hasPrefix("\(file): ") && !$0.hasPrefix("\(file): SHA-256") }, "the seal fails too")
            }
            // Re-sealed by someone else: a valid seal, by a certificate the manifest does not name.
            let other = try ClipSigningIdentity.create(archiveRoot: work + "/other", subject: "someone else")
            let replaced = try tampered { path in
                try FileManager.default.removeItem(atPath: path)
                let segments = try archive.segments(server: "sim", channel: 1)
                _ = try ClipWriter.write(
                    segments.map { ClipSegment(path: archive.blobs.path(of: $0.sha256), startMicros: $0.startMicros) },
                    from: Self.millis(manifest.requested.from) * 1000, to: Self.millis(manifest.requested.to) * 1000,
                    path: path,
                    seal: try other.seal(
                        exportUnit: "elsewhere", operatorName: "x", source: .init(name: "CH1", url: "", line: "1"), exportTime: Date()))
            }
            #expect(replaced.problems.contains { $0.hasPrefix("\(file): signed by a certificate") }, "\(replaced.problems)")
            // The seal cut off.
            let stripped = try tampered { path in
                let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
                try handle.truncate(atOffset: UInt64(seal.signatureOffset - 200))
                try handle.close()
            }
            #expect(
                stripped.problems.contains { $0.hasPrefix("\(file): its Export File Format seal cannot be checked") },
                "\(stripped.problems)")
        }
    }

    @Test func anOperatorsKeyIsRefusedWhenOthersCanReadItOrItIsNotTheCertificatesKey() throws {
        let work = try base.workDirectory("eff-identity")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let made = try ClipSigningIdentity.create(archiveRoot: work + "/a", subject: "site CA test")
        let b = try ClipSigningIdentity.create(archiveRoot: work + "/b", subject: "another")
        let keyA = ClipSigningIdentity.keyPath(archiveRoot: work + "/a")
        chmod(keyA, 0o644)
        #expect(throws: EvidenceError.self) {
            try ClipSigningIdentity.importFiles(
                archiveRoot: work + "/c", keyFile: keyA, chainFile: ClipSigningIdentity.chainPath(archiveRoot: work + "/a"))
        }
        chmod(keyA, 0o600)
        #expect(throws: EvidenceError.self) {
            try ClipSigningIdentity.importFiles(
                archiveRoot: work + "/c", keyFile: keyA, chainFile: ClipSigningIdentity.chainPath(archiveRoot: work + "/b"))
        }
        let imported = try ClipSigningIdentity.importFiles(
            archiveRoot: work + "/c", keyFile: keyA, chainFile: ClipSigningIdentity.chainPath(archiveRoot: work + "/a"))
        #expect(try imported.certificateSHA256 == made.certificateSHA256 && b.subject.contains("another"))
        #expect(throws: EvidenceError.self) { try ClipSigningIdentity.create(archiveRoot: work + "/c", subject: "again") }
    }

    /// An ISO 8601 instant with or without fractional seconds, as milliseconds.
    static func millis(_ text: String) -> Int64 {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) ?? .distantPast
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
