import Foundation
import Logging

/// What `tsvault server check` found out about one recorder.
public struct ServerCheckReport: Sendable, Codable {
    public struct ChannelReport: Sendable, Codable {
        public var chid: Int
        public var displayName: String
        public var connected: Bool?
        public var recording: Bool?
        public var firstDay: String?
        public var lastDay: String?
        public var recordedDays: Int
    }

    public enum Verdict: String, Sendable, Codable {
        case ready, unreachable, tls, credentials, permission
        case protocolError = "protocol"
    }

    public var server: String
    public var url: String
    /// The API the recorder answered in.
    public var api: APIDialect?
    public var info: ServerInfo?
    public var channels: [ChannelReport] = []
    /// Permission name → granted; nil entries were not reached.
    public var permissions: [String: Bool] = [:]
    public var verdict: Verdict = .ready
    /// One line per problem, each saying what to do about it.
    public var problems: [String] = []

    /// Process exit code for scripts: 0 ready, 3 unreachable (DNS, connection, timeout),
    /// 4 TLS, 5 credentials, 6 a permission missing, 7 protocol trouble.
    public var exitCode: Int32 {
        switch verdict {
        case .ready: 0
        case .unreachable: 3
        case .tls: 4
        case .credentials: 5
        case .permission: 6
        case .protocolError: 7
        }
    }
}

/// The checks a site operator runs first: reach, TLS, identity and zone, credentials, each
/// permission the worker needs (remote, playback, dataExport), and what every channel holds.
public enum ServerCheck {
    public static func run(_ settings: ConnectionSettings, logger: Logger = Logger(label: "tsapi")) async -> ServerCheckReport {
        var report = ServerCheckReport(server: settings.name, url: settings.baseURL.absoluteString)
        do {
            try await TSAPIClient.withClient(settings, logger: logger) { client in
                try await inspect(client, into: &report)
            }
        } catch let error as TSAPIError {
            record(error, in: &report)
        } catch {
            report.verdict = .protocolError
            report.problems.append("\(error)")
        }
        return report
    }

    private static func inspect(_ client: TSAPIClient, into report: inout ServerCheckReport) async throws {
        report.api = client.settings.api
        let info = try await client.serverInfo()
        report.info = info
        let zone = try client.timeZone(of: info)
        let channels: [ChannelInfo]
        do {
            channels = try await client.channels()
            report.permissions["remote"] = true
        } catch TSAPIError.forbidden {
            report.permissions["remote"] = false
            channels = []
        }
        let status = (try? await client.channelStatus()) ?? []
        for channel in channels {
            var entry = ServerCheckReport.ChannelReport(chid: channel.chid, displayName: channel.displayName, recordedDays: 0)
            let s = status.first { $0.chid == channel.chid }
            entry.connected = s?.connected
            entry.recording = s?.recording
            do {
                let days = try await client.recordingDays(channel: channel.chid, zone: zone)
                entry.firstDay = days.days.first?.description
                entry.lastDay = days.days.last?.description
                entry.recordedDays = days.days.count
                report.permissions["playback"] = true
            } catch TSAPIError.forbidden {
                report.permissions["playback"] = false
            }
            report.channels.append(entry)
        }
        report.permissions["dataExport"] = try await canExport(client, zone: zone, channel: channels.first?.chid ?? 1)
        let missing = report.permissions.filter { !$0.value }.keys.sorted()
        if !missing.isEmpty {
            report.verdict = .permission
            report.problems.append(
                report.api == .legacy
                    ? "the user lacks permission \(missing.joined(separator: ", ")); give it the Remote, Playback and DataExport rights"
                    : "the credential lacks permission \(missing.joined(separator: ", ")); create an API key with remote, playback and dataExport"
            )
        }
    }

    /// Opens the export socket with an empty window (end before begin): a recorder that
    /// accepts the credential answers ready -2 and exports nothing.
    private static func canExport(_ client: TSAPIClient, zone: RecorderTimeZone, channel: Int) async throws -> Bool {
        let now = Date()
        var probe = ExportRequest(channels: [channel], begin: now, end: now.addingTimeInterval(-60))
        probe.subtitleFormat = nil
        do {
            return try await client.withExportConnection(probe, zone: zone) { connection in
                for try await event in connection.events {
                    if case .message(.ready) = event { return true }
                }
                return false
            }
        } catch TSAPIError.forbidden {
            return false
        }
    }

    private static func record(_ error: TSAPIError, in report: inout ServerCheckReport) {
        switch error {
        case .unreachable(_, let detail):
            report.verdict = .unreachable
            let lowered = detail.lowercased()
            let dns =
                lowered.contains("resolve") || lowered.contains("dns") || lowered.contains("nodename")
                || lowered.contains("name or service")
            report.problems.append(dns ? "the host name does not resolve (DNS); check the URL" : error.description)
        case .timedOut:
            report.verdict = .unreachable
            report.problems.append(error.description)
        case .tls:
            report.verdict = .tls
            report.problems.append(error.description)
        case .unauthorized, .secretUnavailable:
            report.verdict = .credentials
            report.problems.append(error.description)
        case .forbidden:
            report.verdict = .permission
            report.problems.append(error.description)
        default:
            report.verdict = .protocolError
            report.problems.append(error.description)
        }
    }
}
