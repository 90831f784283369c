import Foundation

/// The archive's instants are microseconds since the Unix epoch (`Int64`), in the index, the
/// reports and the evidence manifests. This is the one conversion to and from `Date`: it
/// rounds to the nearest microsecond, so a `Date` made from an instant converts back to it
/// exactly (truncating copies lost a microsecond to floating point on some instants).
extension Date {
    public var unixMicros: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }

    public init(unixMicros: Int64) { self.init(timeIntervalSince1970: Double(unixMicros) / 1_000_000) }
}

extension Array where Element == Range<Int64> {
    /// Appends `interval` to ranges sorted by their starts, merging it into the last one when
    /// the two overlap or touch. The one interval-merge routine of the archive (coverage,
    /// event protection).
    public mutating func appendMerging(_ interval: Range<Int64>) {
        if let last, interval.lowerBound <= last.upperBound {
            self[count - 1] = last.lowerBound..<Swift.max(last.upperBound, interval.upperBound)
        } else {
            append(interval)
        }
    }
}
