import Archive
import Foundation
import ObjectStore
import TestSupport
import Testing

/// `tsvault backup push|verify|restore` with a bucket of `backup.buckets` on the real Ceph
/// gateway: the copies are encrypted, restore and verify decrypt and check them, a tampered
/// object is found, and a wrong key is refused before anything is read.
@Suite(.timeLimit(.minutes(5))) struct BackupBucketTests {
    struct Verify: Decodable {
        struct Problem: Decodable { var item: String }
        var blobs: Int
        var problems: [Problem]
    }

    static func config(work: String, bucket: String, keyFile: String) throws -> String {
        let store = try CephGateway.storeYAML(bucket: bucket, prefix: "offsite")
            .replacingOccurrences(of: "store:\n  ", with: "    - ").replacingOccurrences(of: "\n  ", with: "\n      ")
        let yaml = "backup:\n  buckets:\n" + store + "\n      label: cloud-a\n      keyFile: \(keyFile)"
        return try ConfigFile.write(port: 1, key: "k", directory: work, extra: yaml)
    }

    static func key(_ path: String) throws {
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try (hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
    }

    @Test func anEncryptedBucketTargetIsPushedVerifiedAndRestoredExactly() async throws {
        let s3 = try await CephGateway.bucket("offsite")
        try await CLI.workspace("backup-bucket") { work in
            let archive = try await CLI.syntheticArchive(in: work)
            try Self.key(work + "/cloud-a.key")
            let config = try Self.config(work: work, bucket: s3.location.bucket, keyFile: work + "/cloud-a.key")
            let push = try CLI.run("backup", "push", "--config", config, "--archive", work + "/archive")
            #expect(push.status == 0 && push.output.contains("backup cloud-a: snapshot"), "\(push)")
            let segments = try archive.segments(server: "nvr", channel: 1)

            // What the bucket holds is ciphertext: no blob object starts like an MP4 or matches its name.
            let objects = try await s3.list(prefix: "offsite/blobs/")
            #expect(objects.count == segments.count, "one object per segment blob: \(objects.map(\.key))")
            for object in objects.prefix(3) {
                let bytes = try await s3.get(object.key)
                #expect(bytes.prefix(4) == Data("TSVE".utf8) && bytes.range(of: Data("ftyp".utf8)) == nil, "\(object.key) is sealed")
            }

            let verify = try CLI.run("backup", "verify", "--bucket", "cloud-a", "--config", config, "--full", "--json")
            let checked = try JSONDecoder().decode(Verify.self, from: Data(verify.output.utf8))
            #expect(verify.status == 0 && checked.problems.isEmpty && checked.blobs == segments.count, "\(verify)")
            let restore = try CLI.run("backup", "restore", "--bucket", "cloud-a", "--config", config, "--to", work + "/restored")
            #expect(restore.status == 0, "\(restore)")
            let restored = try Archive(existing: work + "/restored")
            #expect(try restored.segments(server: "nvr", channel: 1) == segments)
            let sound = try CLI.run("verify", "--archive", work + "/restored", "--full")
            #expect(sound.status == 0, "\(sound)")

            // One flipped byte in a stored object: verify --full names that blob.
            let victim = try #require(objects.first)
            var bytes = try await s3.get(victim.key)
            bytes[bytes.count / 2] ^= 1
            try await s3.put(victim.key, bytes)
            let damaged = try CLI.run("backup", "verify", "--bucket", "cloud-a", "--config", config, "--full", "--json")
            let found = try JSONDecoder().decode(Verify.self, from: Data(damaged.output.utf8))
            #expect(damaged.status == 1 && found.problems.map(\.item) == [String(victim.key.split(separator: "/").last!)], "\(damaged)")

            // Another key file for the same bucket is refused, naming both key ids.
            try Self.key(work + "/other.key")
            let other = try Self.config(work: work, bucket: s3.location.bucket, keyFile: work + "/other.key")
            let refused = try CLI.run("backup", "verify", "--bucket", "cloud-a", "--config", other)
            #expect(refused.status == 64 && refused.errors.contains("is encrypted with key"), "\(refused)")
        }
    }
}
