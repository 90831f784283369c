import Foundation

/// A wait in a test that took longer than it may.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration
    public var description: String { "\(what) did not finish within \(limit)" }
}

/// Runs `body`, failing with `DeadlineExceeded` (and cancelling it) when it takes longer than
/// `limit`: every wait in a test helper ends, so a hang fails with its name instead of
/// holding the suite.
public func withDeadline<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(what: what, limit: limit) }
        return value
    }
}
