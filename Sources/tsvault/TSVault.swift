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
        keepLargeBuffersMapped()
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

/// Buffers of 4 MiB and more (upload parts, 16 MiB by default) are mapped on their own and
/// returned to the system when freed. glibc otherwise raises its mapping threshold after the
/// first such free, and the later ones come from per-thread heaps that keep what they grew to:
/// peak memory then grew with the size of the blobs pushed (measured in BENCHMARKS.md). Smaller
/// buffers (1 MiB encryption chunks, reads) stay on the heap and are reused, and the heap keeps
/// up to 64 MiB free at its top: with a fixed mapping threshold glibc would otherwise hand the
/// top back after every such free and fault it in again, which cost a push three seconds of
/// kernel time per GB.
private func keepLargeBuffersMapped() {
    #if os(Linux)
        // <malloc.h> is not in the Glibc module; in glibc's ABI M_TRIM_THRESHOLD is -1 and
        // M_MMAP_THRESHOLD is -3.
        _ = glibcMallopt(-3, 4 << 20)
        _ = glibcMallopt(-1, 64 << 20)
    #endif
}

#if os(Linux)
    @_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
