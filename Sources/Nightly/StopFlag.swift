import Synchronization

/// Set once to ask a run to start nothing new; what is in flight finishes and is archived.
public final class StopFlag: Sendable {
    private let flag = Mutex(false)
    public init() {}
    public func set() { flag.withLock { $0 = true } }
    public var isSet: Bool { flag.withLock { $0 } }
}
