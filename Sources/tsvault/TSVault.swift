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
