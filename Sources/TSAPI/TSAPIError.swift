import Foundation

/// Every failure the client reports, each with a message an operator can act on. Messages
/// name the server (by its configured name) and the request path, never a credential.
public enum TSAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    // Configuration and transport
    case secretUnavailable(String)
    case invalidSettings(String)
    case unreachable(server: String, detail: String)
    case tls(server: String, detail: String)
    case timedOut(server: String, what: String)

    // HTTP answers
    case unauthorized(server: String, path: String)
    case forbidden(server: String, path: String, permission: String?)
    case notFound(server: String, path: String)
    case serverError(server: String, path: String, status: Int, message: String?)
    case httpStatus(server: String, path: String, status: Int, message: String?)
    case malformedResponse(server: String, path: String, detail: String)
    case bitmapLength(server: String, channel: Int, range: String, expected: Int, actual: Int)

    // Export socket
    case exportRejected(server: String, code: Int, message: String)
    case exportEnded(server: String, code: Int, message: String)
    case exportServerError(server: String, message: String)
    case malformedMessage(server: String, context: String, text: String)
    case socketClosed(server: String, context: String)
    /// The event socket ended without a close handshake (dropped, or silent past its pings).
    case eventSocketLost(server: String, detail: String)
    case unknownStage(server: String, stage: String)

    // Downloads
    case hostileFileName(server: String, name: String)
    case md5Mismatch(server: String, file: String, expected: String, actual: String)
    case incompleteDownload(server: String, file: String, received: Int64, expected: Int64?)
    case localWriteFailed(path: String, detail: String)
    /// A feature TS-API v1 has and the legacy API of a recorder before v3.0 has not (here).
    case notOnLegacyAPI(server: String, feature: String)

    /// Worth another attempt after a pause: the network or the recorder may recover.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .serverError, .socketClosed, .eventSocketLost, .incompleteDownload: return true
        case .exportEnded(_, let code, _): return code == -1004
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .secretUnavailable(let detail): return "credential unavailable: \(detail)"
        case .invalidSettings(let detail): return "invalid connection settings: \(detail)"
        case .unreachable(let s, let d): return "\(s): cannot connect (\(d)); check the URL, DNS, firewall and that the recorder is up"
        case .tls(let s, let d):
            return "\(s): TLS failed (\(d)); for a self-signed recorder certificate give its CA file or pin its SHA-256 fingerprint"
        case .timedOut(let s, let w): return "\(s): timed out \(w)"
        case .unauthorized(let s, let p):
            return "\(s): \(p) answered 401 Unauthorized; the API key or user/password is wrong, expired or revoked"
        case .forbidden(let s, let p, let perm):
            return
                "\(s): \(p) answered 403 Forbidden; the API key lacks the \(perm.map { "'\($0)' " } ?? "")permission (or the channel is not allowed for it)"
        case .notFound(let s, let p): return "\(s): \(p) answered 404; the feature is not licensed on this recorder or the resource is gone"
        case .serverError(let s, let p, let st, let m): return "\(s): \(p) answered \(st)\(m.map { ": \($0)" } ?? "")"
        case .httpStatus(let s, let p, let st, let m): return "\(s): \(p) answered HTTP \(st)\(m.map { ": \($0)" } ?? "")"
        case .malformedResponse(let s, let p, let d): return "\(s): unexpected answer from \(p): \(d)"
        case .bitmapLength(let s, let ch, let r, let e, let a):
            return "\(s): minutes bitmap of channel \(ch) for \(r) has \(a) characters, expected \(e) for that local day"
        case .exportRejected(let s, let c, let m):
            return "\(s): export refused at ready with code \(c) (\(ExportStatus.readyMeaning(c))): \(m)"
        case .exportEnded(let s, let c, let m): return "\(s): export ended with code \(c) (\(ExportStatus.endMeaning(c))): \(m)"
        case .exportServerError(let s, let m): return "\(s): export failed on the recorder: \(m)"
        case .malformedMessage(let s, let ctx, let text): return "\(s): malformed export message \(ctx): \(text.prefix(200))"
        case .unknownStage(let s, let stage): return "\(s): export message with unknown stage \(stage) ignored"
        case .socketClosed(let s, let ctx):
            return "\(s): export connection closed \(ctx); the recorder deleted the task's files, the window must be exported again"
        case .eventSocketLost(let s, let d): return "\(s): event socket lost: \(d)"
        case .hostileFileName(let s, let n):
            return "\(s): refused file name \(n.debugDescription) from the recorder (path components are not allowed)"
        case .md5Mismatch(let s, let f, let e, let a): return "\(s): \(f) md5 is \(a), recorder said \(e); the download is corrupt"
        case .incompleteDownload(let s, let f, let r, let e): return "\(s): \(f) ended after \(r) of \(e.map(String.init) ?? "?") bytes"
        case .localWriteFailed(let p, let d): return "cannot write \(p): \(d) (disk full or no permission?)"
        case .notOnLegacyAPI(let s, let f):
            return
                "\(s) speaks the legacy API (a recorder before v3.0): \(f) needs TS-API v1; its footage is still archived by nightly runs"
        }
    }
}

/// Meanings of the export status codes (§6.5).
public enum ExportStatus {
    public static func readyMeaning(_ code: Int) -> String {
        switch code {
        case 0: return "success"
        case -1: return "no recording in the range"
        case -2: return "invalid parameters"
        case -3: return "cannot save to recording storage"
        case -4: return "cannot create the export folder"
        case -5: return "recorder disk space insufficient"
        default: return "unknown code"
        }
    }

    public static func endMeaning(_ code: Int) -> String {
        switch code {
        case 0: return "success"
        case -1001: return "recorder disk full"
        case -1003: return "cancelled by the client"
        case -1004: return "cancelled by the recorder after a timeout"
        default: return "unknown code"
        }
    }
}
