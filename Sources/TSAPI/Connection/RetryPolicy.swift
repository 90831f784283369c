/// Exponential backoff with full jitter, bounded in attempts and delay. Only errors that
/// `TSAPIError.isTransient` calls transient are retried; a wrong password or a missing
/// permission fails at once.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries, for callers that handle failure themselves.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause before attempt `attempt + 1` (attempt counts from 1): uniform in
    /// [0, min(maxDelay, base·2^(attempt-1))], so many workers do not retry in lockstep.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let ceilingNanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, ceilingNanos)))
    }

    /// Runs `operation`, retrying transient failures; `onRetry` hears each one (for logs and
    /// run reports). The last error is rethrown unchanged.
    public func run<T>(
        onRetry: (@Sendable (_ attempt: Int, _ error: TSAPIError) async -> Void)? = nil,
        _ operation: () async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as TSAPIError where error.isTransient && attempt < maxAttempts {
                await onRetry?(attempt, error)
                try await Task.sleep(for: delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}
