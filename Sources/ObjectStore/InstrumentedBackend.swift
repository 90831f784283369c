import CoreMetrics
import Foundation
import Logging

/// Counts and logs every operation on an object store through swift-metrics and swift-log, so
/// the daemon's /metrics shows requests, failures and bytes per operation, and a debug log
/// shows each request with its duration. Sits outside the retry wrapper: it counts what the
/// archive asked for; the retry wrapper logs the attempts.
public struct InstrumentedBackend<Base: ObjectBackend>: ObjectBackend {
    public let base: Base
    let logger: Logger

    public init(_ base: Base, logger: Logger) {
        self.base = base
        self.logger = logger
    }

    public var location: String { base.location }

    static var requestsLabel: String { "tsvault_object_store_requests_total" }
    static var bytesLabel: String { "tsvault_object_store_bytes_total" }

    func measured<T: Sendable>(_ operation: String, _ key: String, _ body: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            Counter(label: Self.requestsLabel, dimensions: [("operation", operation), ("outcome", "ok")]).increment()
            logger.debug(
                "object store",
                metadata: [
                    "operation": "\(operation)", "key": "\(key)", "elapsed": "\(ContinuousClock.now - started)", "store": "\(location)"
                ])
            return result
        } catch {
            Counter(label: Self.requestsLabel, dimensions: [("operation", operation), ("outcome", "error")]).increment()
            logger.debug(
                "object store: failed",
                metadata: ["operation": "\(operation)", "key": "\(key)", "store": "\(location)", "error": "\(error)"])
            throw error
        }
    }

    func transferred(_ bytes: Int64, _ direction: String) {
        if bytes > 0 { Counter(label: Self.bytesLabel, dimensions: [("direction", direction)]).increment(by: bytes) }
    }

    public func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        let outcome = try await measured("put", key) { try await base.put(key, bytes: bytes, ifAbsent: ifAbsent) }
        if outcome == .stored { transferred(Int64(bytes.count), "up") }
        return outcome
    }

    public func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        let size = LocalDirectoryBackend.size(of: file) ?? 0
        let outcome = try await measured("put", key) { try await base.put(key, file: file, sha256: sha256, ifAbsent: ifAbsent) }
        if outcome == .stored { transferred(size, "up") }
        return outcome
    }

    public func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        let outcome = try await measured("put", key) { try await base.put(key, source: source, ifAbsent: ifAbsent) }
        if outcome == .stored { transferred(source.size, "up") }
        return outcome
    }

    public func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome {
        let size = LocalDirectoryBackend.size(of: file) ?? 0
        let outcome = try await measured("put", key) { try await base.adopt(key, file: file, sha256: sha256) }
        if outcome == .stored { transferred(size, "up") }
        return outcome
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8] {
        let bytes = try await measured("get", key) { try await base.get(key, range: range) }
        transferred(Int64(bytes.count), "down")
        return bytes
    }

    public func download(_ key: String, to path: String) async throws -> Downloaded {
        let downloaded = try await measured("get", key) { try await base.download(key, to: path) }
        transferred(downloaded.size, "down")
        return downloaded
    }

    public func head(_ key: String) async throws -> Int64? {
        try await measured("head", key) { try await base.head(key) }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        try await measured("list", prefix) { try await base.list(prefix: prefix) }
    }

    public func delete(_ keys: [String]) async throws {
        try await measured("delete", keys.first ?? "") { try await base.delete(keys) }
    }
}
