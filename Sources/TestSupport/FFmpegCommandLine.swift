import Foundation

/// The ffmpeg command line as an outside referee: a file is good when it decodes cleanly.
public enum FFmpegCommandLine {
    /// Stderr of a full decode with `-xerror`; empty when every packet decodes.
    public static func decodeErrors(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-v", "error", "-xerror", "-i", path, "-f", "null", "-"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = ProcessDeadline(process, limit: .seconds(120), what: "ffmpeg decode of \(path)")
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try deadline.waitForExit(process)
        return process.terminationStatus == 0 ? message : "exit \(process.terminationStatus): \(message)"
    }

    /// The MD5 of every packet of the file's first video stream (`-f framemd5`, packets copied),
    /// in file order.
    public static func videoPacketMD5s(_ path: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let deadline = ProcessDeadline(process, limit: .seconds(120), what: "ffmpeg framemd5 of \(path)")
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try deadline.waitForExit(process)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }
}
