import Archive
import ArgumentParser
import Evidence
import Foundation
import Logging
import Nightly

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
    @OptionGroup var logging: LoggingOptions
    @Flag(help: "Print the manifest as JSON.") var json = false

    func run() async throws {
        if fetchMissing { try await fetch() }
        try await extract()
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
        let logger = try logging.logger(defaultLevel: .warning)
        let records = try await Runner(config: configuration, archive: store, logger: logger)
            .fetchRange(
                server: server, channels: channel, from: try parseInstant(from, option: "--from"), to: try parseInstant(to, option: "--to"))
        for record in records where record.status == .failed || record.status == .archiveFailed {
            FileHandle.standardError.write(
                Data("tsvault evidence extract: fetching CH\(record.channel) failed: \(record.error ?? "?")\n".utf8))
        }
        try store.appendCustody(
            action: "fetch-missing", caseID: caseID, actor: requester,
            details: [
                "server": self.server, "windows": String(records.count),
                "archived": String(records.filter { $0.status == .archived }.count),
                "bytes": String(records.reduce(0) { $0 + $1.bytes })
            ])
    }

    private func extract() async throws {
        guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("unknown --timezone \(timezone)") }
        var request = EvidenceRequest(
            server: server, channels: channel, from: try parseInstant(from, option: "--from"),
            to: try parseInstant(to, option: "--to"), caseID: caseID, requester: requester, reason: reason,
            outputDirectory: output, timeZone: zone)
        request.vttSubtitles = vtt
        request.placeHold = !noHold
        // The clips name the recorder's address when the configuration gives it (user and
        // password, if someone wrote them into the URL, are left out).
        if let config, let server = try ConfigOptions(config: config).load().servers.first(where: { $0.name == self.server }),
            var url = URLComponents(string: server.url)
        {
            url.user = nil
            url.password = nil
            request.recorderURL = url.string ?? ""
        }
        let manifest = try await EvidenceExtractor.extract(request, archive: try archive.open())
        if json {
            try printJSON(manifest)
            return
        }
        print("evidence package for case \(manifest.caseID) in \(output)")
        for c in manifest.channels {
            print(
                "  CH\(c.channel): \(c.parts.count) part(s)" + (c.actual.map { ", \($0.from) – \($0.to)" } ?? ", no footage")
                    + (c.gaps.isEmpty ? "" : ", \(c.gaps.count) gap(s)"))
        }
        print("  signed with \(manifest.publicKey); holds placed: \(manifest.holdsPlaced.map(String.init).joined(separator: ", "))")
    }
}
