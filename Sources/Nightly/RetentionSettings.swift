import Archive
import Foundation

/// The configuration's `retention` section as an archive policy.
public enum RetentionSettings {
    /// nil when no retention is configured. The quota protects the last `lookBackDays`:
    /// deleting them would make the next nightly run fetch them again.
    public static func policy(_ config: TSVaultConfiguration, now: Date) -> (policy: RetentionPolicy, text: String, now: Date)? {
        guard let r = config.retention, r.maxAgeDays != nil || r.quotaGB != nil else { return nil }
        let quota = r.quotaGB.map { Int64($0 * 1_000_000_000) }
        let protect = now.addingTimeInterval(-Double(config.lookBackDays) * 86_400)
        var text: [String] = []
        if let days = r.maxAgeDays { text.append("maxAgeDays \(days)") }
        if let gb = r.quotaGB { text.append("quotaGB \(gb)") }
        return (RetentionPolicy(maxAgeDays: r.maxAgeDays, quotaBytes: quota, protectAfter: protect), text.joined(separator: ", "), now)
    }
}
