import Archive
import ArgumentParser
import Foundation

/// The archival worker's command line.
@main
struct TSVault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsvault",
        abstract: "Recording export and archival backup worker for TS-API v1 recorders.",
        discussion: """
            Start with `tsvault server check` against each recorder, then `tsvault config check` and \
            `tsvault run` (or `tsvault daemon`). `tsvault exit-codes` lists what every exit code means.
            """,
        version: TSVaultVersion.current,
        subcommands: [
            RunCommand.self, PlanCommand.self, DaemonCommand.self, RunsCommand.self, ReportCommand.self, ConfigCommand.self,
            ServerCommand.self, IngestCommand.self, CoverageCommand.self, VerifyCommand.self, EvidenceCommand.self,
            CustodyCommand.self, HoldCommand.self, RetentionCommand.self, BackupCommand.self, StoreCommand.self, StatusCommand.self,
            ExitCodesCommand.self
        ])

    /// Parses, runs, and maps whatever the command threw to its exit status (ExitStatus), so
    /// every command answers the same error with the same code and the same message form.
    static func main() async {
        tuneMalloc()
        let command: any ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            var command = command
            if var asyncCommand = command as? any AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        } catch {
            guard let status = ExitStatus.of(error) else { exit(withError: error) }
            if !(error is ExitStatus) {
                FileHandle.standardError.write(Data("tsvault \(commandPath(of: type(of: command))): \(error)\n".utf8))
            }
            exit(withError: ExitCode(status.rawValue))
        }
        exit(withError: nil)
    }

    /// `backup push` for BackupPushCommand: the names leading from the root to `command`.
    static func commandPath(of command: any ParsableCommand.Type) -> String {
        func path(from node: any ParsableCommand.Type) -> [String]? {
            if ObjectIdentifier(node) == ObjectIdentifier(command) { return [] }
            for child in node.configuration.subcommands {
                if let rest = path(from: child) { return [child.configuration.commandName ?? "\(child)"] + rest }
            }
            return nil
        }
        return (path(from: TSVault.self) ?? []).joined(separator: " ")
    }
}

/// glibc's malloc maps every block at or above its mapping threshold on its own and unmaps it
/// when freed. The muxer's per-fragment buffer (one GOP of video, grown by `realloc`: ~5 MB at
/// 20 Mbit/s with 2-second GOPs, ~20 MB at 40 Mbit/s with 4-second ones) was such a block with
/// the threshold at 4 MiB, so every fragment's memory was mapped, faulted in page by page and
/// unmapped: 69–73k page faults per GiB ingested at 20 Mbit/s, 272k at 40 Mbit/s. With 32 MiB,
/// glibc's highest, the buffer is reused from the heap: 14k and 18k, and 8–16% less CPU at
/// 20 Mbit/s, a quarter or more at 40 Mbit/s, though one run gained nothing there (see
/// Benchmarks/fragment-memory.sh and docs/BENCHMARKS.md). Fragments above ~26 MB (the buffer
/// grows by half each time, to ~39 MB) are still mapped, as before.
/// The threshold is fixed, not left to glibc's own adjusting, which moves it up after the
/// first large free and then lets blocks of every size pile up in per-thread heaps. Upload
/// parts, the other large buffers, are mapped on their own whatever the threshold (ObjectStore's
/// `PartMemory`). The heap keeps up to 64 MiB free at its top: with a fixed threshold glibc
/// would otherwise hand the top back after every large free and fault it in again, which cost
/// a push three seconds of kernel time per GB.
///
/// A threshold set with glibc's own tunables (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…`)
/// is left as set: that is how an operator, or Benchmarks/fragment-memory.sh, chooses another.
private func tuneMalloc() {
    #if os(Linux)
        let tunables = ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? ""
        // <malloc.h> is not in the Glibc module; in glibc's ABI M_TRIM_THRESHOLD is -1 and
        // M_MMAP_THRESHOLD is -3.
        if !tunables.contains("glibc.malloc.mmap_threshold") { _ = glibcMallopt(-3, 32 << 20) }
        if !tunables.contains("glibc.malloc.trim_threshold") { _ = glibcMallopt(-1, 64 << 20) }
    #endif
}

#if os(Linux)
    @_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
