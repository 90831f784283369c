import Foundation
import Logging
import NIOCore
import ObjectStore
import Testing

/// Retries: which failures are retried, how long the pauses are, and that a retried put lands once.
@Suite struct RetryingBackendTests {
    @Test(arguments: [
        (S3Error.unreachable(operation: "put k", reason: "connection refused"), true),
        (S3Error.refused(operation: "put k", status: 503, code: "SlowDown", message: ""), true),
        (S3Error.refused(operation: "put k", status: 500, code: "InternalError", message: ""), true),
        (S3Error.refused(operation: "put k", status: 429, code: "TooManyRequests", message: ""), true),
        (S3Error.refused(operation: "put k", status: 403, code: "SignatureDoesNotMatch", message: ""), false),
        (S3Error.refused(operation: "get k", status: 404, code: "NoSuchBucket", message: ""), false),
        (S3Error.malformedAnswer(operation: "list", reason: "not XML"), false)
    ])
    func transientFailuresAreRetriedAndRefusalsAreNot(_ error: S3Error, _ transient: Bool) {
        #expect(RetryingBackend<LocalDirectoryBackend>.isTransient(error) == transient)
        #expect(!RetryingBackend<LocalDirectoryBackend>.isTransient(ObjectStoreError.contentMismatch(key: "k", expected: "a", actual: "b")))
    }

    /// Full jitter: the pause is the unit draw times min(max, base·2^(attempt-1)).
    @Test(arguments: [
        (1, 1.0, Duration.milliseconds(200)), (2, 1.0, .milliseconds(400)), (3, 0.5, .milliseconds(400)),
        (7, 1.0, .seconds(10)), (40, 0.25, .milliseconds(2500)), (4, 0.0, .zero)
    ])
    func pausesGrowExponentiallyUpToTheCeilingWithJitter(_ attempt: Int, _ unit: Double, _ expected: Duration) throws {
        let store = RetryingBackend(try LocalDirectoryBackend(root: NSTemporaryDirectory() + "retry-delay"), logger: Logger(label: "t"))
        #expect(store.delay(afterAttempt: attempt, unit: unit) == expected)
    }

    @Test func aStoreThatFailsTwiceThenAnswersGetsTheObjectStoredOnce() async throws {
        let root = NSTemporaryDirectory() + "retry-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let flaky = FailingFirst(base: try LocalDirectoryBackend(root: root), failures: 2)
        let store = RetryingBackend(flaky, baseDelay: .milliseconds(1), logger: Logger(label: "t"))
        #expect(try await store.put("k", bytes: [1, 2, 3], ifAbsent: true) == .stored)
        #expect(flaky.calls.value == 3)
        #expect(try await store.get("k") == [1, 2, 3])
    }

    @Test func anUnreachableGatewayFailsAfterTheLastAttemptNamingTheCause() async throws {
        let client = S3Client(
            location: S3Location(endpoint: URL(string: "http://127.0.0.1:9")!, bucket: "b"),
            signer: SigV4Signer(accessKeyID: "a", secretAccessKey: "s3cr3t-never-shown", region: "us-east-1"),
            // The HTTP client keeps trying to connect until the request's deadline.
            timeout: .milliseconds(500))
        let store = RetryingBackend(try S3Backend(client: client), attempts: 3, baseDelay: .milliseconds(1), logger: Logger(label: "t"))
        let error = await #expect(throws: S3Error.self) { _ = try await store.head("k") }
        #expect("\(String(describing: error))".contains("cannot be reached"))
        #expect(!"\(String(describing: error))".contains("s3cr3t"))
    }
}

/// A real local store whose first `failures` calls fail as an unreachable gateway would.
final class FailingFirst: ObjectBackend {
    let base: LocalDirectoryBackend
    let failures: Int
    let calls = Counter()

    init(base: LocalDirectoryBackend, failures: Int) {
        self.base = base
        self.failures = failures
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func next() -> Int {
            lock.withLock {
                count += 1
                return count
            }
        }
    }

    var location: String { base.location }

    func gate() throws {
        if calls.next() <= failures { throw S3Error.unreachable(operation: "test", reason: "connection reset") }
    }

    func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        try gate()
        return try await base.put(key, bytes: bytes, ifAbsent: ifAbsent)
    }
    func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        try gate()
        return try await base.put(key, file: file, sha256: sha256, ifAbsent: ifAbsent)
    }
    func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        try gate()
        return try await base.put(key, source: source, ifAbsent: ifAbsent)
    }
    func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome {
        try gate()
        return try await base.adopt(key, file: file, sha256: sha256)
    }
    func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8] { try await base.get(key, range: range) }
    func download(_ key: String, to path: String) async throws -> Downloaded { try await base.download(key, to: path) }
    func head(_ key: String) async throws -> Int64? { try await base.head(key) }
    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }
    func delete(_ keys: [String]) async throws { try await base.delete(keys) }
}
