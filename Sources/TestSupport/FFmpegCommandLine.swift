import Foundation

/// The ffmpeg command line as an outside referee: a file is good when it decodes cleanly.
public enum FFmpegCommandLine {
    /// Stderr of a full decode with `-xerror`; empty when every packet decodes.
    public static func decodeErrors(_ path: String) throws -> String {
        let (status, message) = try ffmpeg(
            ["-v", "error", "-xerror", "-i", path, "-f", "null", "-"], reading: .standardError, what: "ffmpeg decode of \(path)")
        return status == 0 ? message : "exit \(status): \(message)"
    }

    /// The MD5 of every packet of the file's first video stream (`-f framemd5`, packets copied),
    /// in file order.
    public static func videoPacketMD5s(_ path: String) throws -> [String] {
        let (status, text) = try ffmpeg(
            ["-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"], reading: .standardOutput,
            what: "ffmpeg framemd5 of \(path)")
        guard status == 0 else { throw FixtureError("ffmpeg framemd5 of \(path) exited \(status)") }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    enum Stream { case standardOutput, standardError }

    /// Runs ffmpeg (at most 2 minutes) and reads one of its streams; the other is left as it is.
    private static func ffmpeg(_ arguments: [String], reading stream: Stream, what: String) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = arguments
        let pipe = Pipe()
        switch stream {
        case .standardOutput: process.standardOutput = pipe
        case .standardError: process.standardError = pipe
        }
        try process.run()
        let deadline = ProcessDeadline(process, limit: .seconds(120), what: what)
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try deadline.waitForExit(process)
        return (process.terminationStatus, text)
    }
}
