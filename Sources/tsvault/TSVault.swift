import ArgumentParser

/// The archival worker's command line. The simulator and foundation land first (issue 2);
/// the client, archive and nightly run commands follow in their own issues.
@main
struct TSVault: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsvault",
        abstract: "Recording export and archival backup worker for TS-API v1 recorders.",
        discussion: "Not yet implemented: server check, ingest, coverage, verify, run. See the README for status.",
        version: "0.1.0")

    func run() throws {
        print(Self.helpMessage())
        throw ExitCode(64)
    }
}
