import Archive
import Foundation
import TSAPI

/// Reads a camera's connection and recording changes out of the recorder's event log. The
/// guide documents the log's shape but not its codes, so an entry is recognised by its code
/// name's words: "Disconnected", "Video loss" → disconnected; "Connected", "Reconnected" →
/// connected; "Recording" with "stopped", "failed", "off" or "started", "resumed", "on" →
/// recording off or on. Anything else (motion, sign-ins, …) is no status change.
public enum EventLogStatus {
    public static func change(_ entry: EventLogEntry) -> ChannelStatusChange? {
        guard let channel = entry.channel, let change = change(codeName: entry.codeName ?? "") else { return nil }
        return ChannelStatusChange(channel: channel, atMicros: entry.begin.unixMicros, change: change, source: .eventLog)
    }

    static func change(codeName: String) -> StatusChange? {
        let lowered = codeName.lowercased()
        let words = words(of: codeName)
        if !words.isDisjoint(with: ["disconnected", "disconnect", "disconnection"]) || lowered.contains("video loss") {
            return .disconnected
        }
        if !words.isDisjoint(with: ["connected", "reconnected", "connect", "reconnect"]) { return .connected }
        guard words.contains("recording") else { return nil }
        if !words.isDisjoint(with: ["stopped", "stop", "failed", "failure", "off", "disabled"]) { return .recordingStopped }
        if !words.isDisjoint(with: ["started", "start", "resumed", "on", "enabled"]) { return .recordingStarted }
        return nil
    }
}

/// What a recorder says of its own storage in a system event (the event socket's systemEvent,
/// a system entry of the event log). The guide lists no codes for these either, so the name's
/// words decide: one of storage, disk, HDD, volume, and one of error, full, fail(ed/ure), fault,
/// insufficient, removed, corrupt(ed) for trouble, or ready, normal, restored, mounted, ok for
/// its end.
public enum StorageWords {
    /// Whether a system event's name is about storage, and whether it is trouble; nil for
    /// anything else.
    public static func trouble(name: String) -> Bool? {
        let words = words(of: name)
        guard !words.isDisjoint(with: ["storage", "disk", "hdd", "volume"]) else { return nil }
        let trouble: Set = ["error", "full", "fail", "failed", "failure", "fault", "insufficient", "removed", "corrupt", "corrupted"]
        if !words.isDisjoint(with: trouble) { return true }
        if !words.isDisjoint(with: ["ready", "normal", "restored", "mounted", "ok"]) { return false }
        return nil
    }

    /// The storage event a system event named `name` is, or nil when it is not about storage.
    public static func event(server: String, at: Date, code: Int, name: String) -> StorageEvent? {
        trouble(name: name).map { StorageEvent(server: server, atMicros: at.unixMicros, code: code, name: name, trouble: $0) }
    }
}

/// The lowercased words of a recorder's name for an event.
private func words(of name: String) -> Set<String> { Set(name.lowercased().split { !$0.isLetter }.map(String.init)) }

/// A gap's reason and span as reports print it, in the recorder's time and in whole minutes
/// (both ends included): "camera disconnected 2026-12-01 13:36–13:37".
public enum GapText {
    public static func describe(_ reason: GapReason, from: Date, to: Date?, zone: TimeZone?) -> String {
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = zone ?? TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd HH:mm"
        let time = DateFormatter()
        time.locale = day.locale
        time.timeZone = day.timeZone
        time.dateFormat = "HH:mm"
        guard let to else { return "\(reason.rawValue) since \(day.string(from: from)), not over when last heard" }
        // The last minute the span touches.
        let last = max(from, to.addingTimeInterval(-0.001))
        let (start, end) = (day.string(from: from), day.string(from: last))
        return "\(reason.rawValue) \(start)–\(start.prefix(10) == end.prefix(10) ? time.string(from: last) : end)"
    }
}
