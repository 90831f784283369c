import Foundation

/// `tsvault daemon` as a process, for the tests of the command and of the nightly daemon:
/// started with `arguments` (after `daemon`), killed if still running after `limit`.
public enum DaemonProcess {
    /// Starts it and waits for its "listening on URL" line; returns the process, that URL (empty
    /// if it never printed one) and the deadline that kills it.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], limit: Duration
    ) throws -> (process: Process, url: String, deadline: ProcessDeadline) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.tsvault)
        process.arguments = ["daemon"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A daemon that never prints its address (or never stops) ends the read below when the
        // deadline kills it, and fails the test instead of hanging it.
        let deadline = ProcessDeadline(process, limit: limit, what: "tsvault daemon")
        var line = ""
        while !line.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let url = line.components(separatedBy: "listening on ").dropFirst().first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return (process, url, deadline)
    }
}
