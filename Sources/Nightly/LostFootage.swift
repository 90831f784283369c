import Archive
import Foundation

/// Footage the recorder overwrote before it was archived, decided over plain data: what the
/// recorder listed at earlier runs, what it lists now, and what the archive holds.
public enum LostFootage {
    /// Days remembered from earlier runs that the recorder no longer lists and that are older
    /// than every day it lists now: its disk wrapped past them. (A day missing from the middle
    /// of the list is a recorder answering oddly, not overwritten footage: it is kept.)
    public static func overwritten(remembered: [RecorderDay], current: [RecorderDay]) -> [RecorderDay] {
        let listed = Set(current.map(\.day))
        let oldestListed = current.map(\.startMicros).min() ?? .max
        return remembered.filter { !listed.contains($0.day) && $0.startMicros < oldestListed }
    }

    /// The recorded minutes of an overwritten day that the archive lacks; nil when none.
    /// `archived` is the archive's minute bitmap of the same day (shorter counts as missing).
    public static func lost(_ day: RecorderDay, archived: [Bool], server: String, channel: Int) -> LostDay? {
        let missing = day.recorded.indices.filter { day.recorded[$0] && !($0 < archived.count && archived[$0]) }.count
        return missing > 0 ? LostDay(server: server, channel: channel, day: day.day, minutes: missing) : nil
    }
}
