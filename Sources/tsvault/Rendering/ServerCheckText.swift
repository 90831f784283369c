import ArgumentParser
import Foundation
import Logging
import TSAPI

/// The human form of a check report.
enum ServerCheckText {
    static func render(_ r: ServerCheckReport) -> String {
        var lines = ["Server       \(r.server) (\(r.url))"]
        switch r.api {
        case .v1?: lines.append("API          TS-API v1")
        case .legacy?: lines.append("API          legacy (a recorder before v3.0: query-string API, user and password)")
        case nil: break
        }
        if let info = r.info {
            lines.append(
                "Recorder     \(info.productName ?? "?") \(info.productVersion ?? ""), \(info.apiVersion), site \(info.siteName ?? "?")")
            lines.append("Time zone    \(info.timeZoneName ?? "?") (\(info.timeZoneBias ?? "?"))")
        }
        if !r.permissions.isEmpty {
            let perms = ["remote", "playback", "dataExport"].compactMap { p in r.permissions[p].map { "\(p) \($0 ? "ok" : "MISSING")" } }
            lines.append("Permissions  \(perms.joined(separator: ", "))")
        }
        if !r.channels.isEmpty {
            lines.append("Channels     \(r.channels.count)")
            for c in r.channels {
                let state = [c.connected.map { $0 ? "connected" : "DISCONNECTED" }, c.recording.map { $0 ? "recording" : "not recording" }]
                    .compactMap { $0 }.joined(separator: ", ")
                let span = c.firstDay.map { "\($0) … \(c.lastDay ?? $0) (\(c.recordedDays) days)" } ?? "no recordings"
                lines.append(
                    "  CH\(c.chid)".padding(toLength: 7, withPad: " ", startingAt: 0)
                        + c.displayName.padding(toLength: 22, withPad: " ", startingAt: 0) + " \(state.isEmpty ? "" : state + "; ")\(span)")
            }
        }
        lines.append("Diagnosis    " + (r.verdict == .ready ? "ready for export" : r.verdict.rawValue.uppercased()))
        lines += r.problems.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }
}
