import Foundation

/// A credential value that never prints: `description`, `debugDescription` and reflection all
/// show a placeholder, so a secret cannot leak through logs, errors or `dump`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The only way to read the value; call it where the value goes on the wire.
    public func reveal() -> String { value }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Where a secret comes from: written in the configuration, an environment variable, or a
/// file (first line, trailing newline removed).
public enum SecretSource: Sendable, Hashable {
    case literal(Secret)
    case environment(String)
    case file(String)
    /// A systemd credential: the file NAME in `$CREDENTIALS_DIRECTORY`, which systemd fills from
    /// `LoadCredential=NAME:PATH` (readable by the service alone, the source file root's only).
    case credential(String)

    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(TSAPIError) -> Secret {
        switch self {
        case .literal(let secret):
            return secret
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { throw .secretUnavailable("environment variable \(name) is not set") }
            return Secret(value)
        case .file(let path):
            return try Self.firstLine(of: path, naming: "secret file \(path)")
        case .credential(let name):
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
                throw .secretUnavailable(
                    "credential \(name): CREDENTIALS_DIRECTORY is not set (run under systemd with LoadCredential=\(name):PATH)")
            }
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw .secretUnavailable("credential name \(name) is not a plain file name")
            }
            return try Self.firstLine(of: directory + "/" + name, naming: "credential \(name) (\(directory)/\(name))")
        }
    }

    private static func firstLine(of path: String, naming what: String) throws(TSAPIError) -> Secret {
        guard let data = FileManager.default.contents(atPath: path) else { throw .secretUnavailable("cannot read \(what)") }
        let text = String(decoding: data, as: UTF8.self)
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !firstLine.isEmpty else { throw .secretUnavailable("\(what) is empty") }
        return Secret(firstLine)
    }
}
