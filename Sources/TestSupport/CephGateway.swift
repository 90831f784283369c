import Foundation
import ObjectStore

/// The Ceph RADOS gateway the object-storage tests run against: the one Scripts/test.sh started
/// with Scripts/ceph-cluster.sh (TSVAULT_S3_ENDPOINT, TSVAULT_S3_ACCESS_KEY, TSVAULT_S3_SECRET_KEY).
/// Without it they fail saying so: a test that skipped would pass a suite that never reached S3.
public enum CephGateway {
    public struct Access: Sendable {
        public var endpoint: URL
        public var accessKey: String
        public var secretKey: String
    }

    public static let access: Result<Access, any Error> = Result { try resolve() }

    /// YAML for a `store:` section in that bucket, the keys read from the environment as an
    /// operator's unit would pass them.
    public static func storeYAML(bucket: String, prefix: String, partSizeMB: Int = 5) throws -> String {
        let access = try access.get()
        return """
            store:
              url: s3://\(bucket)/\(prefix)
              endpoint: \(access.endpoint.absoluteString)
              accessKey: { env: TSVAULT_S3_ACCESS_KEY }
              secretKey: { env: TSVAULT_S3_SECRET_KEY }
              partSizeMB: \(partSizeMB)
            """
    }

    /// A client for a new bucket of its own (`name` and a random suffix), created.
    public static func bucket(_ name: String, secretKey: String? = nil) async throws -> S3Client {
        let access = try access.get()
        let client = S3Client(
            location: S3Location(endpoint: access.endpoint, bucket: "\(name)-\(UUID().uuidString.prefix(8).lowercased())"),
            signer: SigV4Signer(accessKeyID: access.accessKey, secretAccessKey: secretKey ?? access.secretKey, region: "us-east-1"))
        if secretKey == nil { try await client.createBucket() }
        return client
    }

    private static func resolve() throws -> Access {
        let values = ProcessInfo.processInfo.environment
        guard let url = values["TSVAULT_S3_ENDPOINT"].flatMap(URL.init(string:)), let access = values["TSVAULT_S3_ACCESS_KEY"],
            let secret = values["TSVAULT_S3_SECRET_KEY"]
        else {
            throw CephError(
                "no Ceph gateway: run the tests with Scripts/test.sh, or eval \"$(Scripts/ceph-cluster.sh start)\" and export TSVAULT_S3_*")
        }
        return Access(endpoint: url, accessKey: access, secretKey: secret)
    }

    struct CephError: Error, CustomStringConvertible {
        var description: String
        init(_ text: String) { description = text }
    }
}
