import Foundation
import Nightly

/// The version of every output's shape; each output has a JSON Schema under docs/schemas/.
/// Raised when a field is removed, renamed or changes meaning. The schemas allow no field they do
/// not list, so the schema test (CLITests/JSONSchemaTests) notices a field added without them.
let jsonSchemaVersion = 1

/// Every `--json` output goes through here, so each object has one shape in every command:
/// an object with `schemaVersion`, instants as ISO 8601 in UTC (`2026-12-01T02:00:00Z`), keys
/// sorted, slashes unescaped.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(Versioned(value: value)), as: UTF8.self))
}

/// Prints a list as the document `{"schemaVersion": 1, "<key>": [...]}`: a top-level array has
/// no room for the version, and scripts then address every output the same way.
func printJSON<T: Encodable>(list: [T], key: String) throws {
    try printJSON(Listing(key: key, items: list))
}

/// The value's own keys with `schemaVersion` added beside them.
private struct Versioned<Value: Encodable>: Encodable {
    let value: Value
    private enum Keys: String, CodingKey { case schemaVersion }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(jsonSchemaVersion, forKey: .schemaVersion)
    }
}

private struct Listing<Item: Encodable>: Encodable {
    let key: String
    let items: [Item]

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: key))
    }
}

/// A run report as `run --json` and `report --json` print it: the stored report with the
/// totals a script would otherwise recompute (`complete`, `bytes`). Not the duration: the stored
/// instants are whole seconds, and `run` and `report` must print the same document.
struct RunReportDocument: Encodable {
    let report: RunReport
    init(_ report: RunReport) { self.report = report }

    private enum Keys: String, CodingKey { case complete, bytes }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(report.complete, forKey: .complete)
        try container.encode(report.bytes, forKey: .bytes)
    }
}
