import Foundation
import Logging

/// Retries what an object store fails transiently — the gateway unreachable or cut off, 5xx,
/// `SlowDown` — with exponential backoff and full jitter; a refusal (wrong credentials, no such
/// bucket, a content mismatch) fails at once. Every operation is safe to repeat: objects are
/// immutable and named by their content, so a put whose answer was lost finds its object there.
public struct RetryingBackend<Base: ObjectBackend>: ObjectBackend {
    public let base: Base
    public let attempts: Int
    public let baseDelay: Duration
    public let maxDelay: Duration
    let logger: Logger

    public init(
        _ base: Base, attempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), logger: Logger
    ) {
        self.base = base
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.logger = logger
    }

    public var location: String { base.location }

    /// Whether repeating the request may succeed.
    public static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case S3Error.unreachable: return true
        case S3Error.refused(_, let status, let code, _):
            return status >= 500 || status == 429 || ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(code)
        default: return false
        }
    }

    /// The pause after failed attempt `attempt` (from 1): uniform in [0, min(max, base·2^(attempt-1))].
    public func delay(afterAttempt attempt: Int, unit: Double = .random(in: 0..<1)) -> Duration {
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 30)))
        return ceiling * unit
    }

    func retrying<T: Sendable>(_ operation: String, _ key: String, _ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch  where Self.isTransient(error) && attempt < attempts {
                let pause = delay(afterAttempt: attempt)
                logger.info(
                    "object store: retrying",
                    metadata: [
                        "operation": "\(operation)", "key": "\(key)", "attempt": "\(attempt)",
                        "store": "\(location)", "error": "\(error)", "pause": "\(pause)"
                    ])
                try await Task.sleep(for: pause)
                attempt += 1
            }
        }
    }

    public func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        try await retrying("put", key) { try await base.put(key, bytes: bytes, ifAbsent: ifAbsent) }
    }

    public func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        try await retrying("put", key) { try await base.put(key, file: file, sha256: sha256, ifAbsent: ifAbsent) }
    }

    public func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        try await retrying("put", key) { try await base.put(key, source: source, ifAbsent: ifAbsent) }
    }

    public func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome {
        try await retrying("put", key) { try await base.adopt(key, file: file, sha256: sha256) }
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8] {
        try await retrying("get", key) { try await base.get(key, range: range) }
    }

    public func download(_ key: String, to path: String) async throws -> Downloaded {
        try await retrying("get", key) { try await base.download(key, to: path) }
    }

    public func head(_ key: String) async throws -> Int64? {
        try await retrying("head", key) { try await base.head(key) }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        try await retrying("list", prefix) { try await base.list(prefix: prefix) }
    }

    public func delete(_ keys: [String]) async throws {
        try await retrying("delete", keys.first ?? "") { try await base.delete(keys) }
    }
}
