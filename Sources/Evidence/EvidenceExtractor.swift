import Archive
import Crypto
import ExportFileFormat
import Foundation
import HexDigest
import Remux

/// What an investigator asks for.
public struct EvidenceRequest: Sendable {
    public var server: String
    public var channels: [Int]
    public var from: Date
    public var to: Date
    public var caseID: String
    public var requester: String
    public var reason: String
    public var outputDirectory: String
    /// The recorder's zone: subtitles and the manifest show local times in it.
    public var timeZone: TimeZone
    public var vttSubtitles = false
    public var placeHold = true
    /// The recorder's address as the clips' `suep` names their source (no credentials in it).
    public var recorderURL = ""

    public init(
        server: String, channels: [Int], from: Date, to: Date, caseID: String, requester: String, reason: String,
        outputDirectory: String, timeZone: TimeZone
    ) {
        self.server = server
        self.channels = channels
        self.from = from
        self.to = to
        self.caseID = caseID
        self.requester = requester
        self.reason = reason
        self.outputDirectory = outputDirectory
        self.timeZone = timeZone
    }
}

/// Builds an evidence package: per channel one playable file per gap-free run (packets copied
/// from the archived segments), wall-clock subtitles, a manifest with every hash and source,
/// its Ed25519 signature, SHA256SUMS and a README for recipients without tsvault; places
/// legal holds and writes the custody log.
public enum EvidenceExtractor {
    public static let toolVersion = "tsvault \(TSVaultVersion.current)"

    public static func extract(_ request: EvidenceRequest, archive: Archive) async throws -> EvidenceManifest {
        guard request.from < request.to else { throw EvidenceError.invalidInput("the range must end after it starts") }
        guard !request.caseID.isEmpty, request.caseID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw EvidenceError.invalidInput("case id must be letters, digits, '-', '_' or '.'")
        }
        try FileManager.default.createDirectory(atPath: request.outputDirectory, withIntermediateDirectories: true)
        guard (try FileManager.default.contentsOfDirectory(atPath: request.outputDirectory)).isEmpty else {
            throw EvidenceError.invalidInput("\(request.outputDirectory) is not empty; an evidence package needs a directory of its own")
        }
        let key = try EvidenceSigningKey.loadOrCreate(archiveRoot: archive.root)
        let signer = try ClipSigningIdentity.loadOrCreate(
            archiveRoot: archive.root, subject: "tsvault evidence \(ProcessInfo.processInfo.hostName)")
        let identity = try archive.recorderIdentity(server: request.server)
        let exportTime = Date()
        let from = request.from.unixMicros
        let to = request.to.unixMicros
        var channels: [EvidenceManifest.Channel] = []
        for channel in request.channels {
            let title = identity.titles[channel]
            let seal = try signer.seal(
                exportUnit: toolVersion + " on " + ProcessInfo.processInfo.hostName, operatorName: request.requester,
                source: .init(name: "\(request.server): \(title ?? "CH\(channel)")", url: request.recorderURL, line: String(channel)),
                exportTime: exportTime)
            channels.append(
                try await extractChannel(channel, from: from, to: to, request: request, archive: archive, title: title, seal: seal))
        }
        guard channels.contains(where: { !$0.parts.isEmpty }) else {
            throw EvidenceError.nothingArchived("\(request.server) channels \(request.channels) have no archived footage in the range")
        }
        var holds: [Int64] = []
        if request.placeHold {
            for channel in channels where !channel.parts.isEmpty {
                holds.append(
                    try archive.addHold(
                        caseID: request.caseID, server: request.server, channel: channel.channel, startMicros: from,
                        endMicros: to, reason: "evidence extraction: \(request.reason)", actor: request.requester
                    ).id)
            }
        }
        let manifest = EvidenceManifest(
            caseID: request.caseID, requester: request.requester, reason: request.reason,
            extractedAt: iso(Date()), tool: toolVersion, server: request.server, recorderInfo: identity.infoJSON,
            timeZone: request.timeZone.identifier, requested: .init(from: iso(request.from), to: iso(request.to)),
            channels: channels, holdsPlaced: holds, publicKey: key.publicKeyHex, clipCertificateSHA256: try signer.certificateSHA256,
            clipSigningChain: try writeChain(signer, directory: request.outputDirectory))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestData = try encoder.encode(manifest)
        try write(manifestData, to: request.outputDirectory + "/manifest.json")
        try write(Data(try key.sign(manifestData).base64EncodedString().utf8), to: request.outputDirectory + "/manifest.json.sig")
        try writeChecksums(manifest, data: manifestData, directory: request.outputDirectory)
        try write(Data(PackageReadme.text(manifest).utf8), to: request.outputDirectory + "/README.txt")
        try archive.appendCustody(
            action: "extract", caseID: request.caseID, actor: request.requester,
            details: [
                "server": request.server, "channels": request.channels.map(String.init).joined(separator: ","),
                "from": iso(request.from), "to": iso(request.to), "reason": request.reason, "output": request.outputDirectory,
                "manifestSHA256": sha256Hex(manifestData), "publicKey": key.publicKeyHex
            ])
        return manifest
    }

    private static func extractChannel(
        _ channel: Int, from: Int64, to: Int64, request: EvidenceRequest, archive: Archive,
        title: String?, seal: ExportSeal
    ) async throws -> EvidenceManifest.Channel {
        let segments = try archive.segments(server: request.server, channel: channel).filter { $0.endMicros > from && $0.startMicros < to }
        let prefix = "\(request.caseID)_\(request.server)_CH\(String(format: "%02d", channel))"
        // The segments as local files: in place on a local store, downloaded (and checked
        // against their names) from a bucket.
        let (clips, shaByPath) = try await archive.blobs.withLocalFiles(segments.map(\.sha256)) { paths in
            let sources = segments.map { ClipSource(path: paths[$0.sha256]!, startMicros: $0.startMicros, endMicros: $0.endMicros) }
            let shaByPath = Dictionary(segments.map { (paths[$0.sha256]!, $0.sha256) }, uniquingKeysWith: { a, _ in a })
            let parts = try await IngestQueue.shared.run {
                try ClipRuns.write(sources, from: from, to: to, seal: seal) { index in
                    request.outputDirectory + "/\(prefix)_part\(index + 1).mp4"
                }
            }
            return (parts, shaByPath)
        }
        var manifestParts: [EvidenceManifest.Part] = []
        let parts = clips.map(\.0)
        for var (part, written) in clips {
            // Matroska parts get their proper extension.
            if part.container == .matroska {
                let renamed = (part.path as NSString).deletingPathExtension + ".mkv"
                try FileManager.default.moveItem(atPath: part.path, toPath: renamed)
                part.path = renamed
            }
            var subtitles = [try writeSubtitle(part, format: "srt", zone: request.timeZone)]
            if request.vttSubtitles { subtitles.append(try writeSubtitle(part, format: "vtt", zone: request.timeZone)) }
            let sourcesInfo = try part.sources.map { source -> EvidenceManifest.Source in
                let sha = shaByPath[source.path] ?? ""
                let origin = try archive.segmentSource(sha256: sha)
                return .init(
                    segmentSHA256: sha, start: iso(source.startMicros), end: iso(source.endMicros),
                    exportFile: origin.exportFile, recorderMD5: origin.recorderMD5)
            }
            // A sealed clip's hash was taken as it was written.
            let video =
                try written.map {
                    EvidenceManifest.FileEntry(file: (part.path as NSString).lastPathComponent, sha256: $0.sha256, size: $0.bytes)
                }
                ?? fileEntry(part.path)
            manifestParts.append(
                .init(
                    video: video, container: part.container.rawValue, subtitles: subtitles,
                    firstFrameUTC: iso(part.firstMicros), firstFrameLocal: local(part.firstMicros, request.timeZone),
                    endUTC: iso(part.endMicros), endLocal: local(part.endMicros, request.timeZone),
                    frames: part.videoFrames, sources: sourcesInfo,
                    seal: written.map {
                        .init(
                            signatureOffset: $0.signatureOffset, signatureLength: $0.signatureLength,
                            algorithm: ClipSigningIdentity.algorithmName)
                    }))
        }
        var gaps: [EvidenceManifest.Range] = []
        var cursor = from
        for part in parts {
            if part.firstMicros - cursor > ClipExtractor.gapToleranceMicros {
                gaps.append(.init(from: iso(cursor), to: iso(part.firstMicros)))
            }
            cursor = max(cursor, part.endMicros)
        }
        if to - cursor > ClipExtractor.gapToleranceMicros { gaps.append(.init(from: iso(cursor), to: iso(to))) }
        let actual = parts.isEmpty ? nil : EvidenceManifest.Range(from: iso(parts.first!.firstMicros), to: iso(parts.last!.endMicros))
        return .init(channel: channel, title: title, actual: actual, gaps: gaps, parts: manifestParts)
    }

    /// One cue per second with the recorder's local date and time.
    private static func writeSubtitle(_ part: ClipPart, format: String, zone: TimeZone) throws -> EvidenceManifest.FileEntry {
        let path = (part.path as NSString).deletingPathExtension + "." + format
        var text = format == "vtt" ? "WEBVTT\n\n" : ""
        var second: Int64 = 0
        let duration = part.endMicros - part.firstMicros
        while second * 1_000_000 < duration {
            let start = second * 1000
            let end = min((second + 1) * 1_000_000, duration) / 1000
            let stamp = local(part.firstMicros + second * 1_000_000, zone)
            if format == "srt" { text += "\(second + 1)\n" }
            text += "\(cueTime(start, vtt: format == "vtt")) --> \(cueTime(end, vtt: format == "vtt"))\n\(stamp)\n\n"
            second += 1
        }
        try write(Data(text.utf8), to: path)
        return try fileEntry(path)
    }

    private static func cueTime(_ ms: Int64, vtt: Bool) -> String {
        String(format: "%02lld:%02lld:%02lld%@%03lld", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, vtt ? "." : ",", ms % 1000)
    }

    /// The clip-signing certificate chain, PEM, for recipients.
    private static func writeChain(_ signer: ClipSigningIdentity, directory: String) throws -> EvidenceManifest.FileEntry {
        let path = directory + "/clip-signing-chain.pem"
        let text = try signer.chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
        try write(Data(text.utf8), to: path)
        return try fileEntry(path)
    }

    private static func writeChecksums(_ m: EvidenceManifest, data: Data, directory: String) throws {
        var lines = ["\(sha256Hex(data))  manifest.json"]
        if let chain = m.clipSigningChain { lines.append("\(chain.sha256)  \(chain.file)") }
        for part in m.channels.flatMap(\.parts) {
            lines.append("\(part.video.sha256)  \(part.video.file)")
            lines += part.subtitles.map { "\($0.sha256)  \($0.file)" }
        }
        try write(Data((lines.joined(separator: "\n") + "\n").utf8), to: directory + "/SHA256SUMS")
    }

    static func fileEntry(_ path: String) throws -> EvidenceManifest.FileEntry {
        let digest = try BlobStore.digest(of: path)
        return .init(file: (path as NSString).lastPathComponent, sha256: digest.sha256, size: digest.size)
    }

    static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw EvidenceError.invalidInput("cannot write \(path)")
        }
    }

    static func sha256Hex(_ data: Data) -> String { SHA256.hash(data: data).lowercaseHex }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    static func iso(_ micros: Int64) -> String { iso(Date(unixMicros: micros)) }

    /// `2026-11-25 10:00:00 +09:00` in the recorder's zone.
    static func local(_ micros: Int64, _ zone: TimeZone) -> String {
        let date = Date(unixMicros: micros)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return f.string(from: date)
    }
}
