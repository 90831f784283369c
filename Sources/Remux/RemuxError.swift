import CFFmpeg
import Logging

/// Errors raised by the FFmpeg layer. Each case names the operation so that a user can tell
/// a missing codec (install the library) from a damaged file (re-export it).
public enum RemuxError: Error, CustomStringConvertible, Sendable {
    case codecUnavailable(String)
    case ffmpeg(operation: String, code: Int32, detail: String)
    case invalidInput(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .codecUnavailable(let name):
            return "FFmpeg codec '\(name)' is not available in this libavcodec build"
        case .ffmpeg(let operation, let code, let detail):
            return "FFmpeg \(operation) failed: \(detail) (code \(code))"
        case .invalidInput(let why):
            return "invalid media input: \(why)"
        case .unsupported(let why):
            return "unsupported media: \(why)"
        }
    }
}

/// Throws a `RemuxError.ffmpeg` when an FFmpeg call returned a negative status.
@discardableResult
func checkAV(_ code: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
    guard code >= 0 else {
        throw RemuxError.ffmpeg(operation: operation(), code: code, detail: avErrorString(code))
    }
    return code
}

func avErrorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    tsv_error_string(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// FFmpeg's own log: errors only (encoders like libx265 are chatty), and into swift-log at
/// debug instead of raw lines on stderr. Its errors ("moov atom not found" when probing a
/// truncated file) restate what the error tsvault throws already says for the operator.
public enum FFmpegLogging {
    public static func quiet() {
        av_log_set_level(AV_LOG_ERROR)
        tsv_route_log { _, line in
            guard let line else { return }
            let text = String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)
            // Made per line: a logger keeps the handler of its creation, and the command
            // bootstraps logging after the first archive is opened.
            if !text.isEmpty { Logger(label: "ffmpeg").debug("\(text)") }
        }
    }
}
