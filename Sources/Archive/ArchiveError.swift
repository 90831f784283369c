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
    /// The archive's blobs are in an object store that was not given, or not the one given.
    case storeMismatch(archive: String, recorded: String?, given: String?)
    /// The store's prefix belongs to another archive (another worker, or a lost archive that
    /// `tsvault store restore` would bring back); `owner` says which.
    case storeClaimed(location: String, owner: String)

    public var description: String {
        switch self {
        case .ioFailed(let p, let d): return "cannot write or read \(p): \(d) (disk full or no permission?)"
        case .indexFailed(let d): return "archive index: \(d)"
        case .invalidInput(let d): return d
        case .unreadableMedia(let p, let d): return "\(p) is not a readable recording: \(d); nothing was archived"
        case .noStartTime(let p): return "\(p): no start time in its metadata or name; give --start"
        case .storeMismatch(let archive, let recorded?, nil):
            return "the archive at \(archive) keeps its blobs in \(recorded), which cannot be opened here (see store: in the configuration)"
        case .storeMismatch(let archive, nil, let given?):
            return
                "the archive at \(archive) keeps its blobs in its own directory; it cannot move them to \(given) (push them with "
                + "tsvault backup push to a bucket target and restore from there)"
        case .storeMismatch(let archive, let recorded, let given):
            return
                "the archive at \(archive) keeps its blobs in \(recorded ?? "its directory"), not \(given ?? "its directory"); check store.url"
        case .storeClaimed(let location, let owner):
            return
                "\(location) belongs to another archive (\(owner)): give each worker its own prefix in store.url, or rebuild "
                + "that archive here with tsvault store restore"
        case .noArchive(let p):
            return
                "no archive at \(p) (tsvault run or tsvault ingest creates one; check --archive, TSVAULT_ARCHIVE or archive: in the configuration)"
        }
    }
}
