import Archive
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct VerifyCommandTests {
    @Test func aSoundArchiveExits0AndADamagedBlobExits1NamingIt() async throws {
        try await CLI.workspace("verify") { work in
            let archive = try await CLI.syntheticArchive(in: work)
            let sound = try CLI.run("verify", "--archive", archive.root)
            #expect(
                sound.status == 0 && sound.output.hasPrefix("verify --full: 10 blobs, ") && sound.output.hasSuffix(", 0 failed\n"),
                "\(sound)")
            let damaged = try #require(try archive.segments(server: "nvr", channel: 1).first?.sha256)
            let path = archive.blobs.path(of: damaged)
            chmod(path, 0o644)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))
            let failed = try CLI.run("verify", "--archive", archive.root)
            #expect(failed.status == 1 && failed.output.contains("1 failed") && failed.output.contains("FAILED \(damaged): "), "\(failed)")
            #expect(try CLI.run("verify", "--quick", "--archive", archive.root).status == 0, "--quick only checks the file is there")
        }
    }

    @Test func aSampleOutside0To100IsAUsageErrorAndAnUnusableArchiveExits74() async throws {
        try await CLI.workspace("verify-usage") { work in
            let sample = try CLI.run("verify", "--sample", "101", "--archive", work + "/archive")
            #expect(sample.status == 64 && sample.errors.contains("--sample must be 0...100"), "\(sample)")
            let unusable = try CLI.run("verify", "--archive", try CLI.unusableArchive(in: work))
            #expect(unusable.status == 74 && unusable.errors.hasPrefix("tsvault verify: "), "\(unusable)")
        }
    }
}
