import Foundation

/// Executables built beside the test bundle, for tests that run them as real processes.
public enum BuiltProducts {
    /// The `tsvault` command line: in the build directory next to the test bundle (swift
    /// test runs `<build>/tsvaultPackageTests.xctest`, so the directory holding it or its
    /// parent).
    public static var tsvault: String { path(of: "tsvault") }

    public static func path(of product: String) -> String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent(product).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs `tsvault` with `arguments` to its end; returns the exit status and standard output.
    /// A command that runs longer than `limit` is killed and the call throws.
    public static func runTSVault(_ arguments: [String], limit: Duration = .seconds(120)) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tsvault)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ProcessDeadline(process, limit: limit, what: "tsvault \(arguments.joined(separator: " "))")
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try deadline.waitForExit(process)
        return (process.terminationStatus, text)
    }
}
