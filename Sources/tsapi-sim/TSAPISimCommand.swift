import ArgumentParser
import Foundation
import Logging
import Remux
import TSAPISimulator

@main
struct TSAPISimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsapi-sim",
        abstract: "A TS-API recorder simulator (TS-NVR style) that serves real H.264/H.265 recordings.",
        discussion: """
            Serves /api/v1 (auth, info, channels, recording days/minutes, event log), the export
            WebSocket /wsapi/v1/export and /download/{task}/{file}; with --api legacy (or both) the
            query-string API of recorders before v3.0 (/api/info, /api/find, /wsapi/dataExport). Every frame carries its channel and
            UTC time in an SEI message. Faults for client tests: --fault KIND[:PARAM][xTIMES] (see
            docs/SIMULATOR.md), or POST /sim/v1/faults at run time. On start it prints one line with the
            base URL, then the credentials.
            """)

    @Option(help: "TCP port (0 picks a free one).") var port = 8080
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Directory for the GOP cache and export files.") var data = "./sim-data"
    @Option(help: "Number of channels (1-64); kinds cycle continuous, motion, daily outage, flaky.") var channels = 4
    @Option(help: "Days the recorder still holds (older footage has been overwritten).") var days = 7
    @Option(help: "Fixed recorder clock, ISO 8601 (default: the real clock).") var now: String?
    @Option(help: "Recorder time zone, IANA name.") var timezone = "Asia/Seoul"
    @Option(help: "Admin user name.") var user = "admin"
    @Option(help: "Admin password.") var password = "1234"
    @Option(help: "API key with every permission (default: generated and printed).") var apiKey: String?
    @Option(help: "Video codec: h264 or h265.") var codec = "h264"
    @Option(help: "Audio track: none, aac (16 kHz, MP4) or pcm_mulaw (G.711 8 kHz; exports become Matroska).") var audio = "none"
    @Option(help: "Video size WxH.") var size = "1280x720"
    @Option(help: "Video bitrate, e.g. 2M or 800k.") var bitrate = "2M"
    @Option(help: "Frames per second.") var fps = 15
    @Option(help: "Seconds per GOP (keyframe interval); must divide 60.") var gop = 2
    @Option(help: "B-frames per GOP pattern (0 = none).") var bframes = 0
    @Option(help: "Access token lifetime in seconds.") var tokenTtl = 3600
    @Option(help: "Export fileEnd ttl in milliseconds.") var ttl = 10_000
    @Option(help: "Key of timeoutAlert messages: stage (v1) or request (legacy).") var timeoutAlertKey = "stage"
    @Option(help: "Minimum milliseconds to produce each export file (makes fileWriting appear).") var fileWriteMs = 0
    @Option(help: "Recording gaps inside an export: split (separate files) or hole (one file, timestamps jump).") var gapMode = "split"
    @Option(
        help: """
            API served: v1 (/api/v1, /wsapi/v1; legacy paths answer that the legacy API is off), legacy \
            (the query-string API of recorders before v3.0: /api/info, /api/find, /wsapi/dataExport) or both.
            """) var api = "v1"
    @Option(help: "File names: v1 (CH01_20240101_120000.mp4) or legacy (CH1.2024-01-01T12.00.00.mp4).") var naming = "v1"
    @Option(help: "recording/days shape: flat, nested, or legacy (nested when ch/timeBegin/timeEnd given).") var daysShape = "legacy"
    @Option(help: "Scheme of absolute URLs the server builds (https when --tls-cert is given).") var urlScheme: String?
    @Option(help: "Serve HTTPS/WSS with this PEM certificate (chain).") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Flag(help: "Answer 400 to v1 REST calls without X-Host.") var requireXHost = false
    @Flag(help: "Reject JWT on data endpoints (an example-client claim).") var rejectJwtOnData = false
    @Flag(help: "Omit refreshToken from refresh responses.") var refreshWithoutNewToken = false
    @Flag(help: "Export not licensed: /wsapi/v1/export answers 404.") var noExportLicense = false
    @Flag(help: "Channel status in the legacy code family (200, 404, ...) with recordingStatus.") var legacyStatus = false
    @Option(parsing: .singleValue, help: "Arm a fault: KIND[:PARAM][xTIMES] (x0 = always). Repeatable.") var fault: [String] = []

    func run() async throws {
        let config = try makeConfiguration()
        let faults = try fault.map { spec -> FaultRule in
            guard let rule = FaultRule(spec: spec) else {
                throw ValidationError("bad --fault '\(spec)'; kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return rule
        }
        let simulator = try await Simulator.prepare(config, faults: faults)
        var logger = Logger(label: "tsapi-sim")
        logger.logLevel = .warning
        let key = simulator.apiKey
        let host = config.host
        try await simulator.run(logger: logger) { port in
            // Unbuffered: scripts wait for this line to know the server is up.
            let banner =
                "tsapi-sim listening on \(config.tlsCertificateFile == nil ? "http" : "https")://\(host):\(port)\nuser \(config.username) / password \(config.password); API key \(key)\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
    }

    private func makeConfiguration() throws -> SimulatorConfiguration {
        var c = SimulatorConfiguration(dataDirectory: data)
        c.host = host
        c.port = port
        c.channels = channels
        c.retentionDays = days
        guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("unknown time zone '\(timezone)'") }
        c.timeZone = zone
        if let now {
            guard let parsed = ServerTime(zone: zone).parse(now) else { throw ValidationError("--now must be ISO 8601, got '\(now)'") }
            c.now = parsed.seconds
        }
        c.username = user
        c.password = password
        c.apiKey = apiKey
        guard let videoCodec = VideoCodec(rawValue: codec) else { throw ValidationError("--codec must be h264 or h265") }
        c.codec = videoCodec
        if audio != "none" {
            guard let audioCodec = AudioCodec(rawValue: audio) else { throw ValidationError("--audio must be none, aac or pcm_mulaw") }
            c.audio = audioCodec
        }
        let dims = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard dims.count == 2 else { throw ValidationError("--size must look like 1280x720") }
        (c.width, c.height) = (dims[0], dims[1])
        guard let rate = Self.parseBitrate(bitrate) else { throw ValidationError("--bitrate must look like 2M or 800k") }
        c.bitrate = rate
        c.fps = fps
        c.gopSeconds = gop
        c.bFrames = bframes
        c.accessTokenTTL = tokenTtl
        c.exportTTLMilliseconds = ttl
        c.timeoutAlertKey = timeoutAlertKey
        c.fileWriteMilliseconds = fileWriteMs
        guard let gaps = SimulatorConfiguration.GapMode(rawValue: gapMode) else {
            throw ValidationError("--gap-mode must be split or hole")
        }
        c.gapMode = gaps
        guard let mode = SimulatorConfiguration.APIMode(rawValue: api) else {
            throw ValidationError("--api must be v1, legacy or both")
        }
        c.api = mode
        guard let names = SimulatorConfiguration.FileNaming(rawValue: naming) else {
            throw ValidationError("--naming must be v1 or legacy")
        }
        c.fileNaming = names
        guard let shape = SimulatorConfiguration.DaysShape(rawValue: daysShape) else {
            throw ValidationError("--days-shape must be flat, nested or legacy")
        }
        c.daysShape = shape
        c.tlsCertificateFile = tlsCert
        c.tlsKeyFile = tlsKey
        c.urlScheme = urlScheme ?? (tlsCert == nil ? "http" : "https")
        c.requireXHost = requireXHost
        c.rejectJWTOnData = rejectJwtOnData
        c.refreshWithoutNewToken = refreshWithoutNewToken
        c.exportLicensed = !noExportLicense
        c.legacyChannelStatus = legacyStatus
        let problems = c.validationErrors()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        return c
    }

    static func parseBitrate(_ text: String) -> Int? {
        let lower = text.lowercased()
        if lower.hasSuffix("m"), let n = Double(lower.dropLast()) { return Int(n * 1_000_000) }
        if lower.hasSuffix("k"), let n = Double(lower.dropLast()) { return Int(n * 1000) }
        return Int(lower)
    }
}
