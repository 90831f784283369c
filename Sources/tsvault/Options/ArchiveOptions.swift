import Archive
import ArgumentParser
import Foundation

/// Where the archive lives.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Archive directory (default: $TSVAULT_ARCHIVE or ./tsvault-archive).")
    var archive: String?

    var root: String { archive ?? ProcessInfo.processInfo.environment["TSVAULT_ARCHIVE"] ?? "./tsvault-archive" }

    /// The archive, which must exist: commands that read or amend one never create it (exit 66).
    func open() throws -> Archive { try Archive(existing: root) }

    /// The archive, created when it is new (`tsvault ingest`).
    func openOrCreate() throws -> Archive { try Archive(root: root) }
}
