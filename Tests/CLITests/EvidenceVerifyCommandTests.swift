import Foundation
import TestSupport
import Testing

/// `tsvault evidence verify`.
@Suite(.timeLimit(.minutes(5))) struct EvidenceVerifyCommandTests {
    @Test func anIntactPackageExits0AndATamperedOneExits1NamingTheFile() async throws {
        try await CLI.workspace("evidence-verify") { work in
            _ = try await CLI.syntheticArchive(in: work)
            #expect(try Evidence.extract(work, output: work + "/package").status == 0)
            let key = try CLI.run("evidence", "pubkey", "--archive", work + "/archive").output.trimmingCharacters(in: .newlines)
            let verified = try CLI.run("evidence", "verify", work + "/package", "--public-key", key, "--archive", work + "/archive")
            #expect(
                verified.status == 0 && verified.output.hasPrefix("OK: ") && verified.output.contains("signature valid (key \(key))"),
                "\(verified)")
            #expect(
                try CLI.run("custody", "--archive", work + "/archive").output.contains("evidence-verify"), "the check is in the custody log"
            )

            let clip = try #require(try FileManager.default.subpathsOfDirectory(atPath: work + "/package").first { $0.hasSuffix(".mp4") })
            let handle = try #require(FileHandle(forUpdatingAtPath: work + "/package/" + clip))
            try handle.seek(toOffset: 200)
            handle.write(Data([0x00, 0x01, 0x02]))
            try handle.close()
            let tampered = try CLI.run("evidence", "verify", work + "/package")
            #expect(tampered.status == 1 && tampered.output.hasPrefix("FAILED:") && tampered.output.contains(clip), "\(tampered)")
        }
    }

    @Test func anotherKeyThanTheTrustedOneFails() async throws {
        try await CLI.workspace("evidence-verify-key") { work in
            _ = try await CLI.syntheticArchive(in: work)
            #expect(try Evidence.extract(work, output: work + "/package").status == 0)
            let stranger = String(repeating: "ab", count: 32)
            let result = try CLI.run("evidence", "verify", work + "/package", "--public-key", stranger)
            #expect(result.status == 1 && result.output.hasPrefix("FAILED:"), "\(result)")
        }
    }
}
