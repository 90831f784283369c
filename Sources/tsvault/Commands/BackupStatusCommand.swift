import Archive
import ArgumentParser
import Foundation
import Nightly

struct BackupStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each backup target's last push and what the archive gained since.")

    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let targets = try archive.open().backupStatus()
        if json {
            try printJSON(list: targets, key: "targets")
            return
        }
        if targets.isEmpty { print("no backup pushed yet (tsvault backup push DIR --label NAME)") }
        let formatter = ISO8601DateFormatter()
        for t in targets {
            let days = Date().timeIntervalSince(t.lastPush) / 86_400
            print(
                "\(t.label)  last push \(formatter.string(from: t.lastPush)) (\(String(format: "%.1f", days)) days ago) to \(t.path); "
                    + "since then \(t.newerBlobs) blobs, \(t.newerBytes) bytes")
        }
    }
}
