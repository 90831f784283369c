import Crypto
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import ObjectStore

/// The S3 requests against a real Ceph RADOS gateway on loopback (Scripts/ceph-cluster.sh).
@Suite(.timeLimit(.minutes(3))) struct S3ClientTests {
    static func bytes(_ count: Int, seed: UInt8) -> Data { Data((0..<count).map { UInt8(truncatingIfNeeded: $0 * 31) &+ seed }) }

    @Test func putGetRangeHeadListAndDeleteRoundTripExactBytes() async throws {
        let s3 = try await CephGateway.bucket("roundtrip")
        let blob = Self.bytes(3_000_000, seed: 7)
        #expect(try await s3.put("blobs/ab/abcdef", blob) == .stored)
        let back = try await s3.get("blobs/ab/abcdef")
        #expect(SHA256.hash(data: back) == SHA256.hash(data: blob) && back.count == blob.count)
        let middle = try await s3.get("blobs/ab/abcdef", range: 1_000_000..<1_000_100)
        #expect(middle == blob.subdata(in: 1_000_000..<1_000_100))
        let head = try #require(try await s3.head("blobs/ab/abcdef"))
        #expect(head.size == 3_000_000 && !head.etag.isEmpty)
        #expect(try await s3.head("blobs/ab/none") == nil)
        try await s3.delete("blobs/ab/abcdef")
        #expect(try await s3.head("blobs/ab/abcdef") == nil)
        try await s3.delete("blobs/ab/abcdef")  // deleting what is gone is not an error
    }

    /// Put-if-absent by conditional write: the second put of a key leaves the first object.
    @Test func aConditionalPutLeavesAnExistingObjectAlone() async throws {
        let s3 = try await CephGateway.bucket("ifabsent")
        #expect(try await s3.put("k", Self.bytes(1000, seed: 1), ifAbsent: true) == .stored)
        #expect(try await s3.put("k", Self.bytes(1000, seed: 2), ifAbsent: true) == .alreadyPresent)
        #expect(try await s3.get("k") == Self.bytes(1000, seed: 1))
    }

    @Test func aListingFollowsContinuationPagesAndHonoursThePrefix() async throws {
        let s3 = try await CephGateway.bucket("listing")
        let keys = (0..<7).map { "snapshots/\($0)" } + ["blobs/x"]
        for key in keys { try await s3.put(key, Data(key.utf8)) }
        let listed = try await s3.list(prefix: "snapshots/", pageSize: 3)
        #expect(listed.map(\.key) == (0..<7).map { "snapshots/\($0)" } && listed.allSatisfy { $0.size == 11 })
    }

    @Test func wrongCredentialsAndAMissingBucketAreNamedErrorsWithoutTheSecret() async throws {
        let wrong = try await CephGateway.bucket("denied", secretKey: "not-the-secret-key-123")
        let refused = await #expect(throws: S3Error.self) { try await wrong.put("k", Data("x".utf8)) }
        #expect(refused?.code == "SignatureDoesNotMatch", "\(String(describing: refused))")
        #expect(!"\(String(describing: refused))".contains("not-the-secret-key-123"))
        let missing = try await CephGateway.bucket("exists")
        let other = S3Client(
            location: .init(endpoint: missing.location.endpoint, bucket: "no-such-bucket-tsvault"), signer: try rightSigner())
        let absent = await #expect(throws: S3Error.self) { try await other.get("k") }
        #expect(absent?.code == "NoSuchBucket", "\(String(describing: absent))")
    }

    /// A whole-object PUT signs the caller's SHA-256 as the payload hash instead of hashing
    /// the body again: the gateway itself checks the body against it and stores nothing else.
    @Test func theGatewayRefusesABodyThatDoesNotHashToTheSignedSHA256() async throws {
        let s3 = try await CephGateway.bucket("payloadhash")
        let blob = Self.bytes(100_000, seed: 3)
        let other = SHA256.hash(data: Self.bytes(100_000, seed: 4)).map { String(format: "%02x", $0) }.joined()
        let refused = await #expect(throws: S3Error.self) { try await s3.put("k", blob, sha256: other) }
        #expect(refused?.code == "XAmzContentSHA256Mismatch", "\(String(describing: refused))")
        #expect(try await s3.head("k") == nil)
        let right = SHA256.hash(data: blob).map { String(format: "%02x", $0) }.joined()
        #expect(try await s3.put("k", blob, sha256: right) == .stored)
        #expect(try await s3.get("k") == blob)
    }

    /// A part's SHA-256 is signed as its payload hash: a body that does not match is refused.
    @Test func aPartWhoseBodyDiffersFromItsSignedSHA256IsRefused() async throws {
        let s3 = try await CephGateway.bucket("parthash")
        let upload = try await s3.startMultipart("k")
        let part = ByteBuffer(bytes: Self.bytes(5 << 20, seed: 5))
        let stale = SHA256.hash(data: Self.bytes(5 << 20, seed: 6)).map { String(format: "%02x", $0) }.joined()
        let answer = try await s3.send(
            "upload part 1 of k", method: .PUT, key: "k", query: [("partNumber", "1"), ("uploadId", upload)], body: part,
            payloadHash: stale)
        #expect(answer.status == 400 && answer.code == "XAmzContentSHA256Mismatch", "\(answer.status) \(answer.code ?? "")")
        let etag = try await s3.uploadPart("k", uploadID: upload, number: 1, part)
        try await s3.completeMultipart("k", uploadID: upload, etags: [etag])
        #expect(try await s3.get("k") == Data(part.readableBytesView))
    }

    private func rightSigner() throws -> SigV4Signer {
        let access = try CephGateway.access.get()
        return SigV4Signer(accessKeyID: access.accessKey, secretAccessKey: access.secretKey, region: "us-east-1")
    }
}
