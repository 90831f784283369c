import Foundation
import Yams

/// The keys tsvault.yaml may hold, so that a misspelled one is an error with its path and the
/// key that was probably meant, instead of a setting silently ignored (`backups:` would
/// otherwise mean no backups, `maxAgeDay:` no retention). Keep in step with the decoders in
/// Configuration.swift; `ConfigurationTests` checks that the example file, which names every
/// key, passes.
indirect enum ConfigurationKeys: Sendable {
    /// A value: a scalar or a list of scalars, whose own contents are not keys.
    case value
    case map([String: ConfigurationKeys])
    case list(ConfigurationKeys)

    static let secret: ConfigurationKeys = .map(["env": .value, "file": .value, "credential": .value, "value": .value])

    /// Where a bucket is and how to reach it: `store:` and each of `backup.buckets`.
    static let storeKeys: [String: ConfigurationKeys] = [
        "url": .value, "endpoint": .value, "region": .value, "addressing": .value, "accessKey": secret, "secretKey": secret,
        "caFile": .value, "partSizeMB": .value, "conditionalWrites": .value
    ]

    static let file: ConfigurationKeys = .map([
        "archive": .value, "lookBackDays": .value, "segmentSeconds": .value,
        "store": .map(storeKeys.merging(["keepIndexSnapshots": .value]) { a, _ in a }),
        "runWindow": .map(["start": .value, "end": .value]),
        "concurrency": .map(["global": .value]),
        "planner": .map(["mergeGapMinutes": .value, "maxWindowMinutes": .value, "settleMinutes": .value]),
        "schedule": .map(["daily": .value, "cron": .value]),
        "retention": .map([
            "maxAgeDays": .value, "quotaGB": .value,
            "events": .map(["types": .value, "keepDays": .value, "beforeSeconds": .value, "afterSeconds": .value])
        ]),
        "backup": .map([
            "targets": .value, "keepSnapshots": .value,
            "buckets": .list(.map(storeKeys.merging(["label": .value, "keyFile": .value]) { a, _ in a }))
        ]),
        "scrub": .map(["gbPerRun": .value, "level": .value]),
        "daemon": .map(["uiToken": secret, "uiDays": .value]),
        "live": .map(["events": .value, "beforeSeconds": .value, "afterSeconds": .value, "settleSeconds": .value, "maxExports": .value]),
        "servers": .list(
            .map([
                "name": .value, "url": .value, "apiKey": secret, "user": .value, "password": secret, "tls": .map(["caFile": .value]),
                "channels": .value, "maxConcurrentExports": .value, "api": .value,
                "timeouts": .map([
                    "connectSeconds": .value, "requestSeconds": .value, "firstMessageSeconds": .value,
                    "idleSeconds": .value, "exportSeconds": .value
                ])
            ]))
    ])

    /// Every key path this schema knows, lists written `servers[]` (`servers[].apiKey.env`).
    func keyPaths(prefix: String = "") -> [String] {
        switch self {
        case .value: return []
        case .list(let element): return element.keyPaths(prefix: prefix + "[]")
        case .map(let keys):
            return keys.flatMap { name, node -> [String] in
                let path = prefix.isEmpty ? name : "\(prefix).\(name)"
                return [path] + node.keyPaths(prefix: path)
            }.sorted()
        }
    }

    /// Every key of `node` this schema does not know, by its path, with a suggestion.
    func unknownKeys(in node: Node, path: String = "") -> [ConfigurationProblem] {
        switch self {
        case .value:
            return []
        case .list(let element):
            guard let sequence = node.sequence else { return [] }
            return sequence.enumerated().flatMap { i, item in element.unknownKeys(in: item, path: "\(path)[\(i)]") }
        case .map(let keys):
            guard let mapping = node.mapping else { return [] }
            return mapping.flatMap { key, value -> [ConfigurationProblem] in
                guard let name = key.string else { return [] }
                let at = path.isEmpty ? name : "\(path).\(name)"
                if let schema = keys[name] { return schema.unknownKeys(in: value, path: at) }
                let hint = Self.nearest(name, in: keys.keys).map { "; did you mean \($0)?" } ?? ""
                return [ConfigurationProblem(severity: .error, path: at, message: "unknown key\(hint)")]
            }
        }
    }

    /// The known key closest to `name` (edit distance, case ignored), if close enough to be a typo.
    static func nearest(_ name: String, in keys: some Collection<String>) -> String? {
        let scored = keys.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let (best, distance) = scored.first, distance <= max(2, best.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, substitution)
            }
        }
        return row[b.count]
    }
}
