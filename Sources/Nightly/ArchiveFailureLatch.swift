import Archive
import ObjectStore
import Synchronization
import TSAPI

/// Remembers the first failure of the archive during a run (disk full, I/O error, index error,
/// its bucket unreachable or refusing after the retries). Once set, no further window starts: exporting more would only make the
/// recorder do work that cannot be kept. One per run.
final class ArchiveFailureLatch: Sendable {
    private let first = Mutex<String?>(nil)

    var failure: String? { first.withLock { $0 } }

    /// Records `error` if it is a failure of the local archive; true if it was.
    func record(_ error: any Error) -> Bool {
        guard Self.isLocal(error) else { return false }
        first.withLock { if $0 == nil { $0 = "\(error)" } }
        return true
    }

    static func isLocal(_ error: any Error) -> Bool {
        switch error {
        case ArchiveError.ioFailed, ArchiveError.indexFailed: return true
        case TSAPIError.localWriteFailed: return true
        case is S3Error: return true
        default: return false
        }
    }
}
