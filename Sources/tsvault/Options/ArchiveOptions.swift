import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly

/// Where the archive lives.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Archive directory (default: $TSVAULT_ARCHIVE or ./tsvault-archive).")
    var archive: String?

    var root: String { archive ?? ProcessInfo.processInfo.environment["TSVAULT_ARCHIVE"] ?? "./tsvault-archive" }

    /// The archive, which must exist: commands that read or amend one never create it (exit 66).
    /// Its blobs are where its index says (its directory, or the bucket it names).
    func open() throws -> Archive { try ArchiveStore.open(root: root, logger: Logger(label: "tsvault")) }

    /// The archive, created when it is new (`tsvault ingest`).
    func openOrCreate() throws -> Archive { try ArchiveStore.open(root: root, existing: false, logger: Logger(label: "tsvault")) }
}
