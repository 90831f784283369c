import Synchronization

/// Bytes received by downloads so far, readable at any time by a progress display while the
/// downloads run (a counter, not a report: resumed and restarted bytes count again).
public final class TransferMeter: Sendable {
    private let received = Atomic<Int64>(0)

    public init() {}

    public var bytes: Int64 { received.load(ordering: .relaxed) }

    func add(_ count: Int) {
        received.add(Int64(count), ordering: .relaxed)
    }
}
