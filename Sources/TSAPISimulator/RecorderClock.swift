import Foundation
import Synchronization

/// The recorder's notion of "now" for recordings: frozen at `--now` (tests, demos) or
/// following the real clock; the control endpoint can move it, e.g. to make the disk wrap.
public final class RecorderClock: Sendable {
    private let fixed: Mutex<UnixSeconds?>

    public init(fixed: UnixSeconds?) { self.fixed = Mutex(fixed) }

    public var now: UnixSeconds { fixed.withLock { $0 } ?? UnixSeconds(Date().timeIntervalSince1970) }

    public func set(_ seconds: UnixSeconds?) { fixed.withLock { $0 = seconds } }
}
