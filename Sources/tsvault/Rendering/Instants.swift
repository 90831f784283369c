import Archive
import ArgumentParser
import Foundation

/// ISO 8601 instants on the command line: offset or `Z` required, so nothing is ambiguous.
func parseInstant(_ text: String, option: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    throw ValidationError("\(option) must be ISO 8601 with an offset, e.g. 2026-11-25T10:00:00+09:00 or …Z; got \(text)")
}

func formatUTC(_ micros: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date(unixMicros: micros))
}
