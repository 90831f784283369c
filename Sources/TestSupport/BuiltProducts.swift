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
        let result = try tsvault(arguments, limit: limit)
        return (result.status, result.output)
    }

    /// What a finished command printed, and how it ended; its description is for `#expect` messages.
    public struct CommandResult: Sendable, CustomStringConvertible {
        public var status: Int32
        public var output: String
        public var errors: String
        public var description: String { "exit \(status)\n--- stdout\n\(output)--- stderr\n\(errors)" }
    }

    /// Runs `tsvault` to its end with `environment` added to this process's, capturing both
    /// streams (standard error through a file, so neither pipe can fill and block the other).
    public static func tsvault(
        _ arguments: [String], environment: [String: String] = [:],
        limit: Duration = .seconds(120)
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tsvault)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent("tsvault-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorsPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ProcessDeadline(process, limit: limit, what: "tsvault \(arguments.joined(separator: " "))")
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try deadline.waitForExit(process)
        let errors = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
        return CommandResult(status: process.terminationStatus, output: text, errors: errors)
    }
}
