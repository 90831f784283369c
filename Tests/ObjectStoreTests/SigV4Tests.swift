import Foundation
import ObjectStore
import Testing

/// AWS Signature Version 4 against AWS's published vectors: the generic test suite (service
/// "service", 2015-08-30T12:36:00Z) and the S3 documentation's GET-with-Range example.
@Suite struct SigV4Tests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        var signedHeaders: String
        var signature: String
        var description: String { name }
    }

    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let suiteSigner = SigV4Signer(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service")
    static let base = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]

    static let suite: [Vector] = [
        Vector(
            name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
            headers: base, signedHeaders: "host;x-amz-date",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "get-unreserved", method: "GET", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: base, signedHeaders: "host;x-amz-date",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(
            name: "get-utf8", method: "GET", path: "/\u{1234}", headers: base, signedHeaders: "host;x-amz-date",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(
            name: "get-header-value-trim", method: "GET", path: "/",
            headers: base + [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(
            name: "post-vanilla", method: "POST", path: "/", headers: base, signedHeaders: "host;x-amz-date",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(
            name: "post-x-www-form-urlencoded", method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + base, body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    ]

    @Test(arguments: suite) func theGenericSuiteSignsAsPublished(_ vector: Vector) {
        let signed = Self.suiteSigner.sign(
            method: vector.method, path: vector.path, query: vector.query, headers: vector.headers,
            payloadHash: SigV4Signer.payloadHash(Data(vector.body.utf8)), date: Self.suiteDate)
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)", "\(signed.canonicalRequest)")
    }

    /// Amazon S3's "GET Object" example: the first 10 bytes of test.txt in examplebucket.
    @Test func theS3DocumentationExampleSignsAsPublished() {
        let signer = SigV4Signer(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let empty = SigV4Signer.payloadHash(Data())
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        #expect(SigV4Signer.amzDate(date) == "20130524T000000Z")
        let signed = signer.sign(
            method: "GET", path: "/test.txt",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", empty),
                ("x-amz-date", "20130524T000000Z")
            ], payloadHash: empty, date: date)
        #expect(signed.stringToSign.hasSuffix("\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(!"\(signer)".contains("wJalrXUtnFEMI"), "the secret is not in the description")
    }
}
