import Foundation

/// Failures of the archive, each saying what to do about it.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case ioFailed(path: String, detail: String)
    case indexFailed(String)
    case invalidInput(String)
    case unreadableMedia(path: String, detail: String)
    case noStartTime(path: String)
    /// A command that works on an archive was pointed where there is none.
    case noArchive(path: String)

    public var description: String {
        switch self {
        case .ioFailed(let p, let d): return "cannot write or read \(p): \(d) (disk full or no permission?)"
        case .indexFailed(let d): return "archive index: \(d)"
        case .invalidInput(let d): return d
        case .unreadableMedia(let p, let d): return "\(p) is not a readable recording: \(d); nothing was archived"
        case .noStartTime(let p): return "\(p): no start time in its metadata or name; give --start"
        case .noArchive(let p):
            return
                "no archive at \(p) (tsvault run or tsvault ingest creates one; check --archive, TSVAULT_ARCHIVE or archive: in the configuration)"
        }
    }
}
