import Foundation

/// Runs blocking archive work (libavformat, hashing local files, demuxing) on one dedicated
/// serial queue and awaits it: such work happens one piece at a time (CPU and disk bound on a
/// small machine) without blocking Swift's cooperative threads, which also serve the daemon's
/// /metrics and the recorders' sockets.
public final class IngestQueue: Sendable {
    public static let shared = IngestQueue()
    private let queue = DispatchQueue(label: "tsvault.ingest", qos: .utility)

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
