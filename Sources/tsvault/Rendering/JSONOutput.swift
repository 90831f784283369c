import Archive
import ArgumentParser
import Foundation

/// Every `--json` output goes through here, so each object has one shape in every command:
/// instants as ISO 8601 in UTC (`2026-12-01T02:00:00Z`), keys sorted, slashes unescaped.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
