import ArgumentParser
import Foundation
import TSAPI

/// How to reach one recorder from the command line. Secrets are never taken as arguments
/// (they would show in `ps` and shell history): they come from an environment variable or a
/// file.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Recorder base URL, e.g. https://nvr1.example:443 or http://127.0.0.1:8080 (or --config for every configured one).")
    var url: String?

    @Option(help: "Name for this recorder in logs and reports (default: the URL's host).")
    var name: String?

    @Option(help: "Environment variable holding the API key.")
    var apiKeyEnv = "TSVAULT_API_KEY"

    @Option(help: "File holding the API key (first line).")
    var apiKeyFile: String?

    @Option(help: "Log in with this user name instead of an API key (JWT).")
    var user: String?

    @Option(help: "Environment variable holding the password for --user.")
    var passwordEnv = "TSVAULT_PASSWORD"

    @Option(help: "File holding the password for --user (first line).")
    var passwordFile: String?

    @Option(help: "PEM file with the CA (or the recorder's self-signed certificate) to trust for https.")
    var caFile: String?

    @Option(help: "Seconds before a request without answer fails.")
    var timeout = 30

    @Option(help: "The API it speaks: auto (ask: v1, else the legacy API of recorders before v3.0), v1 or legacy.")
    var api = "auto"

    func settings() throws -> ConnectionSettings {
        guard let url else { throw ValidationError("give --url, or --config to check every recorder of a configuration") }
        guard let base = URL(string: url), let scheme = base.scheme, ["http", "https"].contains(scheme), base.host != nil else {
            throw ValidationError("--url must be an http:// or https:// URL with a host, got \(url)")
        }
        let credential: ConnectionSettings.Credential
        if let user {
            credential = .userPassword(user: user, password: passwordFile.map(SecretSource.file) ?? .environment(passwordEnv))
        } else {
            credential = .apiKey(apiKeyFile.map(SecretSource.file) ?? .environment(apiKeyEnv))
        }
        var settings = ConnectionSettings(
            name: name ?? base.host!, baseURL: base, credential: credential,
            tls: TLSSettings(caFile: caFile), requestTimeout: .seconds(timeout))
        switch api {
        case "auto": settings.api = nil
        case "v1": settings.api = .v1
        case "legacy": settings.api = .legacy
        default: throw ValidationError("--api must be auto, v1 or legacy, got \(api)")
        }
        return settings
    }
}
