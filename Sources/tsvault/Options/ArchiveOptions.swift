import Archive
import ArgumentParser
import Foundation

/// Where the archive lives.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Archive directory (default: $TSVAULT_ARCHIVE or ./tsvault-archive).")
    var archive: String?

    func open() throws -> Archive {
        let root = archive ?? ProcessInfo.processInfo.environment["TSVAULT_ARCHIVE"] ?? "./tsvault-archive"
        return try Archive(root: root)
    }
}
