import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

/// `--config`, shared by the commands that read tsvault.yaml.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $TSVAULT_CONFIG or ./tsvault.yaml).")
    var config: String?

    init() {}
    init(config: String) { self.config = config }

    var path: String { config ?? ProcessInfo.processInfo.environment["TSVAULT_CONFIG"] ?? "./tsvault.yaml" }

    func load() throws -> TSVaultConfiguration {
        do {
            let (configuration, warnings) = try ConfigurationLoader.load(path: path)
            for warning in warnings { FileHandle.standardError.write(Data("tsvault: \(warning)\n".utf8)) }
            return configuration
        } catch let error as ConfigurationError {
            throw ConfigFileError(path: path, error: error)
        }
    }
}

/// A configuration file that does not load, with its path (exit status 64).
struct ConfigFileError: Error, CustomStringConvertible {
    var path: String
    var error: ConfigurationError
    var description: String { "\(path): \(error)" }
}
