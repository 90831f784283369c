import Archive
import Foundation
import TestSupport
import Testing

/// The command line as a script or an operator meets it: the built `tsvault`, run as a
/// process, its output and exit status. One file per command; each covers the success path
/// and the failures its `--help` documents.
enum CLI {
    /// Runs `tsvault` with `arguments`.
    static func run(_ arguments: String..., environment: [String: String] = [:]) throws -> BuiltProducts.CommandResult {
        try BuiltProducts.tsvault(arguments, environment: environment)
    }

    /// Runs `tsvault` with `arguments` given as an array.
    static func runArguments(_ arguments: [String], environment: [String: String] = [:]) throws -> BuiltProducts.CommandResult {
        try BuiltProducts.tsvault(arguments, environment: environment)
    }

    /// A temporary directory for one test, removed after `body`.
    static func workspace<T>(_ name: String, _ body: (String) async throws -> T) async throws -> T {
        let path = try ConfigFile.temporaryDirectory("cli-" + name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// An archive whose index is not a database (a damaged disk, a foreign file).
    static func unusableArchive(in directory: String) throws -> String {
        let path = directory + "/damaged-archive"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try String(repeating: "not a database ", count: 100).write(toFile: path + "/index.sqlite", atomically: true, encoding: .utf8)
        return path
    }

    /// An archive with ten minutes of channel 1 (10:00-10:10 New York on 2026-11-01).
    static func syntheticArchive(in directory: String) async throws -> Archive {
        try await SyntheticArchive.make(root: directory + "/archive")
    }
}
