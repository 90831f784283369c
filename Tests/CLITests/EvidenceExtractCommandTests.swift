import Foundation
import TestSupport
import Testing

/// Extracting packages, shared by the evidence tests.
enum Evidence {
    static func extract(
        _ work: String, from: String = "2026-11-01T10:02:00-05:00", to: String = "2026-11-01T10:05:00-05:00", output: String
    ) throws -> BuiltProducts.CommandResult {
        try BuiltProducts.tsvault([
            "evidence", "extract", "--server", "nvr", "--channel", "1", "--from", from, "--to", to,
            "--case", "C-17", "--requester", "Det. Kim", "--reason", "burglary", "--output", output, "--archive", work + "/archive"
        ])
    }
}

/// `tsvault evidence extract`.
@Suite(.timeLimit(.minutes(5))) struct EvidenceExtractCommandTests {
    @Test func aPackageIsWrittenSignedAndTheRangeHeld() async throws {
        try await CLI.workspace("evidence-extract") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let extracted = try Evidence.extract(work, output: work + "/package")
            #expect(
                extracted.status == 0 && extracted.output.hasPrefix("evidence package for case C-17 in \(work)/package\n  CH1: 1 part(s)"),
                "\(extracted)")
            #expect(extracted.output.contains("holds placed: 1"), "\(extracted)")
            let files = try FileManager.default.subpathsOfDirectory(atPath: work + "/package")
            #expect(files.contains { $0.hasSuffix(".mp4") } && files.contains { $0.hasPrefix("manifest") }, "\(files)")
            #expect(try CLI.run("hold", "list", "--archive", work + "/archive").output.contains("case C-17"))
        }
    }

    @Test func aRangeWithNothingArchivedExits1AndAnUsedOutputDirectoryExits64() async throws {
        try await CLI.workspace("evidence-extract-fail") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let nothing = try Evidence.extract(
                work, from: "2026-11-01T12:00:00-05:00", to: "2026-11-01T12:05:00-05:00", output: work + "/p1")
            #expect(nothing.status == 1 && nothing.errors.hasPrefix("tsvault evidence extract: nothing archived"), "\(nothing)")
            try FileManager.default.createDirectory(atPath: work + "/p2", withIntermediateDirectories: true)
            try "x".write(toFile: work + "/p2/other", atomically: true, encoding: .utf8)
            let used = try Evidence.extract(work, output: work + "/p2")
            #expect(used.status == 64 && used.errors.hasPrefix("tsvault evidence extract: "), "\(used)")
            let instant = try Evidence.extract(work, from: "yesterday", output: work + "/p3")
            #expect(instant.status == 64 && instant.errors.contains("--from must be ISO 8601 with an offset"), "\(instant)")
        }
    }
}
