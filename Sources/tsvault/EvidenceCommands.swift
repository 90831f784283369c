import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence packages for investigators.",
        subcommands: [EvidenceExtractCommand.self, EvidenceVerifyCommand.self, EvidencePubkeyCommand.self])
}

struct EvidenceExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write playable clips, subtitles, a signed manifest and a README for a case.",
        discussion: """
        Packets are copied from the archived segments (no re-encoding), from the keyframe at or \
        before --from to --to; a gap in the recording starts a new part and is listed in the \
        manifest. Places a legal hold on the range (unless --no-hold) and writes the custody log. \
        Times are ISO 8601 with an offset (recorder local time with its offset, or Z).
        Exit codes: 0 written, 1 nothing archived in the range, 64 usage, 74 I/O.
        """)

    @Option(help: "Recorder name as in the archive.") var server: String
    @Option(parsing: .upToNextOption, help: "Channel numbers.") var channel: [Int]
    @Option(help: "Start, ISO 8601 with offset.") var from: String
    @Option(help: "End, ISO 8601 with offset.") var to: String
    @Option(name: .customLong("case"), help: "Case identifier (letters, digits, - _ .).") var caseID: String
    @Option(help: "Who asks for the footage.") var requester: String
    @Option(help: "Why.") var reason: String
    @Option(help: "Output directory (must be new or empty).") var output: String
    @Option(help: "Recorder time zone (IANA) for subtitles and local times.") var timezone = "UTC"
    @Flag(help: "Also write WebVTT subtitles.") var vtt = false
    @Flag(help: "Do not place a legal hold.") var noHold = false
    @Flag(help: "First export from the recorder the minutes of the range it still holds but the archive lacks (needs --config).")
    var fetchMissing = false
    @Option(help: "Configuration with the recorder's connection, for --fetch-missing.") var config: String?
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print the manifest as JSON.") var json = false

    func run() async throws {
        if fetchMissing { try await fetch() }
        try extract()
    }

    /// Brings what the recorder still holds of the range into the archive, through the normal
    /// export and ingest path, and logs it in the custody log.
    private func fetch() async throws {
        guard let config else { throw ValidationError("--fetch-missing needs --config") }
        let configuration = try ConfigOptions(config: config).load()
        guard let server = configuration.servers.first(where: { $0.name == self.server }) else {
            throw ValidationError("\(self.server) is not a server in \(config)")
        }
        let store = try archive.open()
        var logger = Logger(label: "tsvault")
        logger.logLevel = .warning
        let records = try await Runner(config: configuration, archive: store, logger: logger)
            .fetchRange(server: server, channels: channel, from: try parseInstant(from, option: "--from"), to: try parseInstant(to, option: "--to"))
        for record in records where record.status == "failed" || record.status == "archive-failed" {
            FileHandle.standardError.write(Data("tsvault evidence extract: fetching CH\(record.channel) failed: \(record.error ?? "?")\n".utf8))
        }
        try store.appendCustody(action: "fetch-missing", caseID: caseID, actor: requester, details: [
            "server": self.server, "windows": String(records.count), "archived": String(records.filter { $0.status == "archived" }.count),
            "bytes": String(records.reduce(0) { $0 + $1.bytes })])
    }

    private func extract() throws {
        guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("unknown --timezone \(timezone)") }
        var request = EvidenceRequest(server: server, channels: channel, from: try parseInstant(from, option: "--from"),
                                      to: try parseInstant(to, option: "--to"), caseID: caseID, requester: requester, reason: reason,
                                      outputDirectory: output, timeZone: zone)
        request.vttSubtitles = vtt
        request.placeHold = !noHold
        let manifest = try EvidenceExtractor.extract(request, archive: try archive.open())
        if json { try printJSON(manifest); return }
        print("evidence package for case \(manifest.caseID) in \(output)")
        for c in manifest.channels {
            print("  CH\(c.channel): \(c.parts.count) part(s)" + (c.actual.map { ", \($0.from) – \($0.to)" } ?? ", no footage")
                  + (c.gaps.isEmpty ? "" : ", \(c.gaps.count) gap(s)"))
        }
        print("  signed with \(manifest.publicKey); holds placed: \(manifest.holdsPlaced.map(String.init).joined(separator: ", "))")
    }
}

struct EvidenceVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every hash of a package and check the manifest's signature.",
        discussion: "Exit code 0 when everything matches, 1 with one line per difference otherwise. Records the check in the custody log when --archive is given.")

    @Argument(help: "The package directory.") var directory: String
    @Option(help: "Trust this Ed25519 public key (hex) instead of the one in the manifest.") var publicKey: String?
    @Option(help: "Archive whose custody log records this verification.") var archive: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let result = EvidenceVerifier.verify(directory: directory, trustedPublicKeyHex: publicKey)
        if let archive {
            try Archive(root: archive).appendCustody(action: "evidence-verify", caseID: nil, actor: NSUserName(), details: [
                "directory": directory, "ok": String(result.ok), "problems": String(result.problems.count)])
        }
        if json { try printJSON(result) } else {
            print(result.ok ? "OK: \(result.filesChecked) files match the manifest, signature valid (key \(result.publicKey ?? "?"))"
                            : "FAILED:\n" + result.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !result.ok { throw ExitStatus.failed }
    }
}

struct EvidencePubkeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pubkey", abstract: "Print the archive's evidence signing public key (hex), creating the key on first use.")
    @OptionGroup var archive: ArchiveOptions
    func run() throws { print(try EvidenceSigningKey.loadOrCreate(archiveRoot: try archive.open().root).publicKeyHex) }
}

struct CustodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "List the custody log and check its hash chain.",
        discussion: "Exit code 0 when the chain is intact, 1 when an entry was changed or deleted.")
    @Option(name: .customLong("case"), help: "Only this case.") var caseID: String?
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let store = try archive.open()
        let entries = try store.custodyEntries(caseID: caseID)
        let check = try store.checkCustody()
        if json {
            struct Out: Encodable { var entries: [CustodyEntry]; var check: CustodyCheck }
            try printJSON(Out(entries: entries, check: check))
        } else {
            for e in entries {
                print("\(e.id)  \(ISO8601DateFormatter().string(from: e.at))  \(e.action)  case \(e.caseID ?? "-")  by \(e.actor)  \(e.details)")
            }
            print(check.intact ? "chain intact (\(check.entries) entries)" : "CHAIN BROKEN:\n" + check.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !check.intact { throw ExitStatus.failed }
    }
}

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hold", abstract: "Legal holds: retention never removes held footage.",
                                                    subcommands: [HoldListCommand.self, HoldAddCommand.self, HoldReleaseCommand.self])
}

struct HoldListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Active holds (--all: released ones too).")
    @Flag(help: "Include released holds.") var all = false
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false
    func run() throws {
        let holds = try archive.open().holds(includeReleased: all)
        if json { try printJSON(holds); return }
        for h in holds {
            print("\(h.id)  case \(h.caseID)  \(h.server) CH\(h.channel)  \(formatUTC(h.startMicros)) – \(formatUTC(h.endMicros))  \(h.reason)"
                  + (h.releasedAt.map { "  released \(ISO8601DateFormatter().string(from: $0)): \(h.releaseReason ?? "")" } ?? ""))
        }
    }
}

struct HoldAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Place a hold on a channel's time range.")
    @Option(name: .customLong("case"), help: "Case identifier.") var caseID: String
    @Option(help: "Recorder name.") var server: String
    @Option(help: "Channel.") var channel: Int
    @Option(help: "Start, ISO 8601 with offset.") var from: String
    @Option(help: "End, ISO 8601 with offset.") var to: String
    @Option(help: "Why.") var reason: String
    @Option(help: "Who places it.") var actor = NSUserName()
    @OptionGroup var archive: ArchiveOptions
    func run() throws {
        let start = try parseInstant(from, option: "--from"), end = try parseInstant(to, option: "--to")
        let hold = try archive.open().addHold(caseID: caseID, server: server, channel: channel, startMicros: Int64(start.timeIntervalSince1970 * 1e6),
                                              endMicros: Int64(end.timeIntervalSince1970 * 1e6), reason: reason, actor: actor)
        print("hold \(hold.id) placed")
    }
}

struct HoldReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "Release a hold; a reason is required and logged.")
    @Argument(help: "Hold number.") var id: Int64
    @Option(help: "Why the hold is released.") var reason: String
    @Option(help: "Who releases it.") var actor = NSUserName()
    @OptionGroup var archive: ArchiveOptions
    func run() throws {
        try archive.open().releaseHold(id, reason: reason, actor: actor)
        print("hold \(id) released")
    }
}
