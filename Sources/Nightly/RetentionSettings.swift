import Archive
import Foundation

/// The configuration's `retention` section as an archive policy.
public enum RetentionSettings {
    /// nil when no retention is configured. The quota protects the last `lookBackDays`:
    /// deleting them would make the next nightly run fetch them again.
    public static func policy(_ config: TSVaultConfiguration, now: Date) -> (policy: RetentionPolicy, text: String, now: Date)? {
        guard let r = config.retention, r.maxAgeDays != nil || r.quotaGB != nil else { return nil }
        let events = r.events.map {
            EventRetention(names: $0.types, keepDays: $0.keepDays, beforeSeconds: $0.beforeSeconds, afterSeconds: $0.afterSeconds)
        }
        let quota = r.quotaGB.map { Int64($0 * 1_000_000_000) }
        let protect = now.addingTimeInterval(-Double(config.lookBackDays) * 86_400)
        var text: [String] = []
        if let days = r.maxAgeDays { text.append("maxAgeDays \(days)") }
        if let gb = r.quotaGB { text.append("quotaGB \(gb)") }
        if let e = r.events {
            text.append("events \(e.types.joined(separator: "|")) keepDays \(e.keepDays) (-\(e.beforeSeconds)s/+\(e.afterSeconds)s)")
        }
        return (
            RetentionPolicy(maxAgeDays: r.maxAgeDays, quotaBytes: quota, protectAfter: protect, events: events),
            text.joined(separator: ", "), now
        )
    }
}
