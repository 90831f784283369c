import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly

struct StoreRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild the configured archive's directory from the index snapshots in its bucket.",
        discussion:
            "Exit codes: 0 restored, 64 no store: in the configuration, a non-empty archive directory or an unknown snapshot, 8 the bucket cannot be read, 74 local I/O error."
    )

    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "Snapshot name (default: the newest).") var snapshot: String?
    @Option(help: "Who restores, for the archive's custody log.") var actor = ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var archive: String
        var store: String
        var snapshot: String
        var segments: Int
        var blobs: Int
    }

    func run() async throws {
        let config = try configOptions.load()
        guard let store = config.store else {
            throw ValidationError("\(configOptions.path) has no store: section; nothing to restore from")
        }
        let logger = Logger(label: "tsvault")
        let index = try ArchiveStore.indexBackend(store, logger: logger)
        let name = try await Archive.restoreIndex(from: index, snapshot: snapshot, to: config.archive)
        let archive = try ArchiveStore.open(config, existing: true, logger: logger)
        let counts = try archive.overview()
        _ = try archive.appendCustody(
            action: "store-restore", caseID: nil, actor: actor,
            details: ["store": index.location, "snapshot": name, "segments": String(counts.segments)])
        let output = Output(archive: config.archive, store: index.location, snapshot: name, segments: counts.segments, blobs: counts.blobs)
        if json {
            try printJSON(output)
        } else {
            print(
                "restored the index \(name) from \(index.location) into \(config.archive): \(counts.segments) segments, \(counts.blobs) blobs"
            )
            print("check it with: tsvault verify --archive \(config.archive) --quick")
        }
    }
}
