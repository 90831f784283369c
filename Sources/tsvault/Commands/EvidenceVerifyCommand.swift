import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct EvidenceVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every hash of a package and check the manifest's signature.",
        discussion:
            "Exit code 0 when everything matches, 1 with one line per difference otherwise. Records the check in the custody log when --archive is given."
    )

    @Argument(help: "The package directory.") var directory: String
    @Option(help: "Trust this Ed25519 public key (hex) instead of the one in the manifest.") var publicKey: String?
    @Option(help: "Archive whose custody log records this verification.") var archive: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let result = EvidenceVerifier.verify(directory: directory, trustedPublicKeyHex: publicKey)
        if let archive {
            try ArchiveStore.open(root: archive, logger: Logger(label: "tsvault")).appendCustody(
                action: "evidence-verify", caseID: nil, actor: NSUserName(),
                details: [
                    "directory": directory, "ok": String(result.ok), "problems": String(result.problems.count)
                ])
        }
        if json {
            try printJSON(result)
        } else {
            print(
                result.ok
                    ? "OK: \(result.filesChecked) files match the manifest, signature valid (key \(result.publicKey ?? "?")), "
                        + "\(result.sealsChecked) clip seal(s) valid"
                    : "FAILED:\n" + result.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !result.ok { throw ExitStatus.failed }
    }
}
