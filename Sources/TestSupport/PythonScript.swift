import Foundation

/// A Python script of the repository, run with the project's Python: Scripts/test.sh points
/// TSVAULT_PYTHON at the venv Scripts/python-env.sh makes (jsonschema, Selenium, ...).
public enum PythonScript {
    /// Runs `Scripts/…` with `arguments`; its exit status and what it printed (stdout and stderr).
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["TSVAULT_PYTHON"] ?? "python3", Repository.path(script)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
