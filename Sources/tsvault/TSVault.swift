import ArgumentParser

/// The archival worker's command line.
@main
struct TSVault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsvault",
        abstract: "Recording export and archival backup worker for TS-API v1 recorders.",
        discussion: "Start with `tsvault server check` against each recorder. `ingest`, `coverage` and `verify` work on the local archive; the nightly run and evidence commands follow (see the README for status).",
        version: "0.2.0",
        subcommands: [RunCommand.self, PlanCommand.self, DaemonCommand.self, RunsCommand.self, ReportCommand.self, ConfigCommand.self, ServerCommand.self,
                      IngestCommand.self, CoverageCommand.self, VerifyCommand.self, EvidenceCommand.self, CustodyCommand.self,
                      HoldCommand.self, RetentionCommand.self, BackupCommand.self, StatusCommand.self])
}

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Talk to a recorder.",
        subcommands: [ServerCheckCommand.self])
}
