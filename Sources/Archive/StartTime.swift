import Foundation
import Remux

/// Where a file's wall-clock start came from, recorded with every ingested export.
public enum TimeSource: String, Sendable, Codable {
    case given, subtitle, metadata
    case fileName = "file-name"
}

/// Finds the UTC instant of a file's media time 0: a start given by the operator, else the
/// export's subtitle (its first cue shows the recorder's wall clock with offset), else the
/// container's `creation_time`, else a recorder file name (`CH01_20240101_120000`,
/// `CH1.2024-01-01T12.00.00`) read in the recorder's zone.
public enum StartTime {
    public static func resolve(
        path: String, given: Date?, subtitle: String? = nil, recorderZone: TimeZone?
    ) throws -> (micros: Int64, source: TimeSource) {
        try resolve(name: path, given: given, subtitle: subtitle, recorderZone: recorderZone) {
            do { return try PacketReader.containerMetadata(path: path) } catch {
                throw ArchiveError.unreadableMedia(path: path, detail: "\(error)")
            }
        }
    }

    /// The same for a file known by `name` whose container metadata `metadata` reads (only
    /// when neither a given start nor a subtitle tells).
    public static func resolve(
        name: String, given: Date?, subtitle: String?, recorderZone: TimeZone?, metadata: () throws -> [String: String]
    ) throws -> (micros: Int64, source: TimeSource) {
        if let given { return (given.unixMicros, .given) }
        if let subtitle, let start = fromSubtitle(subtitle) { return (start, .subtitle) }
        if let text = try metadata()["creation_time"], let date = parseCreationTime(text) { return (date.unixMicros, .metadata) }
        if let zone = recorderZone, let date = parseFileName((name as NSString).lastPathComponent, zone: zone) {
            return (date.unixMicros, .fileName)
        }
        throw ArchiveError.noStartTime(path: name)
    }

    /// `2026-11-25T01:00:00.000000Z` as libavformat reports it.
    static func parseCreationTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func parseFileName(_ name: String, zone: TimeZone) -> Date? {
        let digits = name.split(whereSeparator: { !$0.isNumber }).map(String.init)
        // CH01_20240101_120000 → ["01", "20240101", "120000"]; CH1.2024-01-01T12.00.00 → 1,2024,01,01,12,00,00
        var fields: [Int] = []
        if digits.count >= 3, digits[1].count == 8, digits[2].count == 6 {
            let d = digits[1]
            let t = digits[2]
            fields = [
                Int(d.prefix(4))!, Int(d.dropFirst(4).prefix(2))!, Int(d.suffix(2))!,
                Int(t.prefix(2))!, Int(t.dropFirst(2).prefix(2))!, Int(t.suffix(2))!
            ]
        } else if digits.count >= 7, digits[1].count == 4 {
            fields = digits[1...6].compactMap { Int($0) }
        }
        guard fields.count == 6 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(
            from: DateComponents(
                year: fields[0], month: fields[1], day: fields[2],
                hour: fields[3], minute: fields[4], second: fields[5]))
    }

    /// The first SRT/VTT cue: `00:00:00,000 --> …` then `2026-11-25 10:00:00 +09:00`.
    static func fromSubtitle(_ path: String) -> Int64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let timing = lines.firstIndex(where: { $0.contains("-->") }), timing + 1 < lines.count else { return nil }
        let cueStart = lines[timing].components(separatedBy: "-->")[0].trimmingCharacters(in: .whitespaces)
        let parts = cueStart.replacingOccurrences(of: ",", with: ".").split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let sec = Double(parts[2]) else { return nil }
        let offsetMicros = Int64(((h * 60 + m) * 60 + sec) * 1_000_000)
        let label = lines[timing + 1].split(separator: " ")
        guard label.count >= 3 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let wall = formatter.date(from: "\(label[0])T\(label[1])\(label[2])") else { return nil }
        return wall.unixMicros - offsetMicros
    }
}
