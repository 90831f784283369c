import Archive
import ArgumentParser
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the archive's blobs: exist (quick), hash (full), demux (deep).",
        discussion:
            "Results are recorded per blob. Exit code 0 when every checked blob is sound, 1 when any failed (they are listed with the minutes they hold), 74 when the archive cannot be read."
    )

    @Flag(help: "How hard to look.") var level: VerifyLevel = .full
    @Option(help: "Check this percentage of blobs, chosen at random.") var sample: Double = 100
    @Option(help: "Scrub: check only the blobs checked least recently (never-checked first), this many GB (10^9 bytes) of them.")
    var scrubGB: Double?
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        guard (0...100).contains(sample) else { throw ValidationError("--sample must be 0...100") }
        if let scrubGB, scrubGB <= 0 { throw ValidationError("--scrub-gb must be positive") }
        let opened = try archive.open()
        let report =
            if let scrubGB {
                try await opened.scrub(level: level, budgetBytes: Int64(scrubGB * 1_000_000_000))
            } else {
                try await opened.verify(level: level, samplePercent: sample)
            }
        if json {
            try printJSON(report)
        } else {
            print("verify --\(level.rawValue): \(report.checked) blobs, \(report.bytes) bytes, \(report.failures.count) failed")
            if !report.orphans.isEmpty {
                print(
                    "\(report.orphans.count) blob files without an index row (from an interrupted ingest; linked again when their minutes are ingested)"
                )
            }
            for failure in report.failures {
                print("FAILED \(failure.sha256): \(failure.problem)")
                for hold in failure.holds {
                    print("  holds \(hold.server) CH\(hold.channel) \(formatUTC(hold.startMicros)) – \(formatUTC(hold.endMicros))")
                }
            }
        }
        if !report.ok { throw ExitStatus.failed }
    }
}

extension VerifyLevel: EnumerableFlag {}
