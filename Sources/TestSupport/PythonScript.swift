import Foundation

/// A Python script of the repository, run with the project's Python: Scripts/test.sh points
/// TSVAULT_PYTHON at the venv Scripts/python-env.sh makes (jsonschema, Selenium, ...).
public enum PythonScript {
    /// Runs `Scripts/…` with `arguments`; its exit status and what it printed (stdout and stderr).
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ShellScript.output(
            "/usr/bin/env", [ProcessInfo.processInfo.environment["TSVAULT_PYTHON"] ?? "python3", Repository.path(script)] + arguments)
    }
}

/// A bash script, for the command-line tools tests use as referees (openssl, dd) and for
/// commands a document tells people to type.
public enum ShellScript {
    /// Runs `script` with `bash -euo pipefail` in `directory`; its exit status and what it printed.
    public static func run(_ script: String, in directory: String) throws -> (status: Int32, output: String) {
        try output("/bin/bash", ["-euo", "pipefail", "-c", script], in: directory)
    }

    /// Runs a program; its exit status and its stdout and stderr together.
    static func output(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
