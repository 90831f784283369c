import Foundation

/// A tsvault.yaml for one recorder on a loopback port, with its API key (or password) in a
/// 0600 file beside it, as an operator would write it.
public enum ConfigFile {
    /// Writes `directory/tsvault.yaml` (archive in `directory/archive`) and returns its path.
    @discardableResult
    public static func write(
        port: Int, key: String, directory: String, channels: String = "all", extra: String = "",
        userPassword: Bool = false
    ) throws -> String {
        let keyFile = directory + "/nvr.key"
        try (userPassword ? "1234" : key).write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        let credential = userPassword ? "user: admin\n    password: { file: \(keyFile) }" : "apiKey: { file: \(keyFile) }"
        let yaml = """
            archive: \(directory)/archive
            lookBackDays: 3
            planner:
              maxWindowMinutes: 240
            concurrency:
              global: 3
            \(extra)
            servers:
              - name: nvr
                url: http://127.0.0.1:\(port)
                \(credential)
                channels: \(channels)
                maxConcurrentExports: 2
            """
        let path = directory + "/tsvault.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A new empty directory under the system's temporary one.
    public static func temporaryDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
