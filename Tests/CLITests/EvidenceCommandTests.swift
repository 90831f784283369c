import Foundation
import TestSupport
import Testing

/// `tsvault evidence extract|verify|pubkey` over a synthetic archive.
@Suite(.timeLimit(.minutes(5))) struct EvidenceCommandTests {
    static func extract(
        _ work: String, from: String = "2026-11-01T10:02:00-05:00", to: String = "2026-11-01T10:05:00-05:00",
        output: String
    ) throws -> BuiltProducts.CommandResult {
        try BuiltProducts.tsvault([
            "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", from, "--to", to,
            "--case", "C-17", "--requester", "Det. Kim", "--reason", "burglary", "--output", output,
            "--archive", work + "/archive"
        ])
    }

    @Test func extractWritesASignedPackageThatVerifiesAndATamperedOneExits1() async throws {
        try await CLI.workspace("evidence") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let extracted = try Self.extract(work, output: work + "/package")
            #expect(
                extracted.status == 0 && extracted.output.hasPrefix("evidence package for case C-17 in \(work)/package\n  CH1: 1 part(s)"),
                "\(extracted)")
            let key = try CLI.run("evidence", "pubkey", "--archive", work + "/archive")
            let hex = key.output.trimmingCharacters(in: .newlines)
            #expect(key.status == 0 && hex.count == 64 && hex.allSatisfy(\.isHexDigit), "\(key)")
            #expect(extracted.output.contains("signed with \(hex)"))
            let verified = try CLI.run("evidence", "verify", work + "/package", "--public-key", hex)
            #expect(
                verified.status == 0 && verified.output.hasPrefix("OK: ") && verified.output.contains("signature valid (key \(hex))"),
                "\(verified)")

            let clip = try #require(try FileManager.default.subpathsOfDirectory(atPath: work + "/package").first { $0.hasSuffix(".mp4") })
            let handle = try #require(FileHandle(forUpdatingAtPath: work + "/package/" + clip))
            try handle.seek(toOffset: 200)
            handle.write(Data([0x00, 0x01, 0x02]))
            try handle.close()
            let tampered = try CLI.run("evidence", "verify", work + "/package")
            #expect(tampered.status == 1 && tampered.output.hasPrefix("FAILED:") && tampered.output.contains(clip), "\(tampered)")
        }
    }

    @Test func aRangeWithNothingArchivedExits1AndAnUsedOutputDirectoryExits64() async throws {
        try await CLI.workspace("evidence-fail") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let nothing = try Self.extract(work, from: "2026-11-01T12:00:00-05:00", to: "2026-11-01T12:05:00-05:00", output: work + "/p1")
            #expect(nothing.status == 1 && nothing.errors.hasPrefix("tsvault evidence extract: nothing archived"), "\(nothing)")
            try FileManager.default.createDirectory(atPath: work + "/p2", withIntermediateDirectories: true)
            try "x".write(toFile: work + "/p2/other", atomically: true, encoding: .utf8)
            let used = try Self.extract(work, output: work + "/p2")
            #expect(used.status == 64 && used.errors.hasPrefix("tsvault evidence extract: "), "\(used)")
            let instant = try BuiltProducts.tsvault([
                "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", "yesterday",
                "--to", "today", "--case", "C", "--requester", "r", "--reason", "r", "--output", work + "/p3"
            ])
            #expect(instant.status == 64 && instant.errors.contains("--from must be ISO 8601 with an offset"), "\(instant)")
        }
    }
}
