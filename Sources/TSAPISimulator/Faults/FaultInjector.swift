/// Faults the simulator can inject so the worker's error handling is tested against real
/// wire behaviour. Each armed fault fires `times` times (nil: until cleared). See
/// docs/SIMULATOR.md for what each one does.
public enum FaultKind: String, Sendable, CaseIterable {
    /// Close the export socket abruptly after `param` messages (default 3).
    case dropWebSocket
    /// Close a download connection after `param` bytes of the body (default 64 KiB).
    case cutDownload
    /// Advertise a wrong md5 in `fileEnd`.
    case wrongMD5
    /// Serve downloads at `param` bytes per second (default 256 KiB/s).
    case throttleDownload
    /// Answer recording/days, recording/minutes and event/log with HTTP 500.
    case http500
    /// Send a message that is not valid JSON after `param` messages (default 2).
    case malformedMessage
    /// Advertise file names that try to escape the download directory; `param` 1 = absolute path.
    case hostileFileName
    /// Give `fileEnd` a ttl of `param` milliseconds (default 300).
    case tinyTTL
    /// End the task with -1001 (recorder disk full) after `param` files (default 0).
    case diskFullEnd
    /// Answer `ready` with -5 (insufficient disk space).
    case diskFullReady
    /// Send `{"stage":"error"}` and close after `param` messages (default 2).
    case errorStage
    /// Go silent on the export socket after `param` messages (default 0: not even `ready`):
    /// nothing more is sent and the socket stays open until the client leaves (at most 10
    /// minutes). What a client sees when a recorder hangs, or when its frames never arrive.
    case stallWebSocket
    /// Send `param` bytes of a download's body (default 65536), then nothing, keeping the
    /// connection open (at most 10 minutes): a transfer that goes silent without closing.
    case stallDownload
    /// Answer a download's `Range` request with the whole file (200), as a server that does
    /// not support ranges does.
    case ignoreRange
    /// Close an event socket abruptly (no close frame) after `param` messages (default 2).
    case dropEvents
    /// Send an event socket a message that is not valid JSON after `param` messages (default 1).
    case malformedEvent
    /// Go silent on an event socket after `param` messages (default 1): nothing more is sent,
    /// not even pings or pongs, and the connection stays open (at most 10 minutes).
    case silentEvents

    var defaultParam: Int {
        switch self {
        case .dropWebSocket: 3
        case .dropEvents: 2
        case .malformedEvent, .silentEvents: 1
        case .cutDownload, .stallDownload: 65_536
        case .throttleDownload: 262_144
        case .malformedMessage, .errorStage: 2
        case .tinyTTL: 300
        default: 0
        }
    }
}

public struct FaultRule: Sendable, Equatable {
    public var kind: FaultKind
    public var param: Int
    public var times: Int?

    public init(kind: FaultKind, param: Int? = nil, times: Int? = 1) {
        self.kind = kind
        self.param = param ?? kind.defaultParam
        self.times = times
    }

    /// `kind[:param][xTIMES]`, e.g. `cutDownload:100000x2`, `throttleDownload:50000x0` (0 = always).
    public init?(spec: String) {
        var rest = Substring(spec)
        var times: Int? = 1
        if let x = rest.lastIndex(of: "x"), let n = Int(rest[rest.index(after: x)...]) {
            times = n == 0 ? nil : n
            rest = rest[..<x]
        }
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let first = parts.first, let kind = FaultKind(rawValue: String(first)) else { return nil }
        var param: Int?
        if parts.count == 2 {
            guard let p = Int(parts[1]) else { return nil }
            param = p
        }
        self.init(kind: kind, param: param, times: times)
    }

    var json: JSONValue {
        .object([("kind", .string(kind.rawValue)), ("param", .int(param)), ("times", times.map { .int($0) } ?? .null)])
    }
}

public actor FaultInjector {
    private var rules: [FaultRule]

    public init(_ rules: [FaultRule] = []) { self.rules = rules }

    public func arm(_ rule: FaultRule) { rules.append(rule) }
    public func clear() { rules.removeAll() }
    public func armed() -> [FaultRule] { rules }

    /// Fires the first armed fault of `kind`, consuming one of its times.
    public func take(_ kind: FaultKind) -> FaultRule? {
        guard let index = rules.firstIndex(where: { $0.kind == kind }) else { return nil }
        let rule = rules[index]
        if let times = rule.times {
            if times <= 1 { rules.remove(at: index) } else { rules[index].times = times - 1 }
        }
        return rule
    }
}
