import Foundation

/// One entry of a `fileEnd` download list.
public struct DownloadEntry: Sendable, Hashable {
    public var fileName: String
    public var src: String
    public var md5: String?

    /// Video or subtitle, told by extension, never by position (§6.8).
    public var isSubtitle: Bool {
        ["srt", "vtt", "ass", "ssa", "smi"].contains((fileName as NSString).pathExtension.lowercased())
    }
}

public struct ReadyTask: Sendable, Hashable {
    public var id: String
    public var channels: [Int]
    public var mediaSize: Int?
}

public struct FileEnd: Sendable, Hashable {
    public var channel: Int
    public var fid: Int
    public var ttlMilliseconds: Int
    public var downloads: [DownloadEntry]
}

/// A server → client export message (§6.4), typed.
public enum ExportEvent: Sendable, Hashable {
    case ready(code: Int, message: String, task: ReadyTask?)
    case begin
    case channelBegin(channel: Int)
    case channelSkip(channel: Int?)
    case fileBegin(channel: Int, fid: Int?, name: String?)
    case fileWriting(channel: Int, fid: Int?)
    case fileEnd(FileEnd)
    case timeoutAlert(ttlMilliseconds: Int?)
    case channelEnd(channel: Int)
    case end(code: Int, message: String)
    case error(message: String)
    /// A stage this client does not know; logged and ignored.
    case unknown(stage: String)

    /// Parses one text frame. `after` names the previous stage for error context.
    static func parse(_ text: String, server: String, after previous: String) throws -> ExportEvent {
        func malformed(_ why: String) -> TSAPIError {
            .malformedMessage(server: server, context: "after \(previous) (\(why))", text: text)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw malformed("not a JSON object")
        }
        // timeoutAlert is keyed by `request` in the English legacy guide (§8.15).
        guard let stage = object.string("stage") ?? object.string("request") else { throw malformed("no stage") }
        let channel = object["channel"] as? [String: Any]
        let file = channel?["file"] as? [String: Any]
        let status = object["status"] as? [String: Any]
        func chid() throws -> Int {
            guard let id = channel?.int("chid") else { throw malformed("\(stage) without channel.chid") }
            return id
        }
        switch stage {
        case "ready":
            guard let code = status?.int("code") else { throw malformed("ready without status.code") }
            let task = (object["task"] as? [String: Any]).flatMap { t -> ReadyTask? in
                guard let id = t.string("id") else { return nil }  // UUID string or a number (§8.23)
                return ReadyTask(
                    id: id, channels: (t["ch"] as? [Any])?.compactMap { ($0 as? Int) ?? Int("\($0)") } ?? [],
                    mediaSize: t.int("mediaSize"))
            }
            if code == 0, task == nil { throw malformed("ready with code 0 but no task.id") }
            return .ready(code: code, message: status?.string("message") ?? "", task: task)
        case "begin": return .begin
        case "channelBegin": return .channelBegin(channel: try chid())
        case "channelSkip": return .channelSkip(channel: channel?.int("chid"))
        case "fileBegin": return .fileBegin(channel: try chid(), fid: file?.int("fid"), name: file?.string("name"))
        case "fileWriting": return .fileWriting(channel: try chid(), fid: file?.int("fid"))
        case "fileEnd":
            guard let file else { throw malformed("fileEnd without channel.file") }
            guard let list = file["download"] as? [Any], !list.isEmpty else { throw malformed("fileEnd without downloads") }
            let downloads = try list.map { item -> DownloadEntry in
                guard let d = item as? [String: Any], let name = d.string("fileName"), let src = d.string("src") else {
                    throw malformed("download entry without fileName/src")
                }
                return DownloadEntry(fileName: name, src: src, md5: d.string("md5")?.lowercased())
            }
            return .fileEnd(
                FileEnd(channel: try chid(), fid: file.int("fid") ?? -1, ttlMilliseconds: file.int("ttl") ?? 10_000, downloads: downloads))
        case "timeoutAlert": return .timeoutAlert(ttlMilliseconds: object.int("ttl"))
        case "channelEnd": return .channelEnd(channel: try chid())
        case "end":
            guard let code = status?.int("code") else { throw malformed("end without status.code") }
            return .end(code: code, message: status?.string("message") ?? "")
        case "error": return .error(message: object.string("message") ?? "(no message)")
        default: return .unknown(stage: stage)
        }
    }

    var stageName: String {
        switch self {
        case .ready: "ready"
        case .begin: "begin"
        case .channelBegin: "channelBegin"
        case .channelSkip: "channelSkip"
        case .fileBegin: "fileBegin"
        case .fileWriting: "fileWriting"
        case .fileEnd: "fileEnd"
        case .timeoutAlert: "timeoutAlert"
        case .channelEnd: "channelEnd"
        case .end: "end"
        case .error: "error"
        case .unknown(let stage): stage
        }
    }
}
