import Foundation
import ObjectStore
import TSAPI
import Yams

/// A problem in the configuration, located by its key path (`servers[1].url`).
public struct ConfigurationProblem: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }
    public var severity: Severity
    public var path: String
    public var message: String
    public var description: String { "\(severity.rawValue): \(path): \(message)" }
}

public enum ConfigurationLoader {
    /// Every key a configuration file may hold (`servers[].apiKey.credential`), for the test that
    /// keeps docs/schemas/config.schema.json in step.
    public static var keyPaths: [String] { ConfigurationKeys.file.keyPaths() }

    /// Parses and validates; throws with every problem found (not just the first).
    public static func load(path: String) throws -> (TSVaultConfiguration, warnings: [ConfigurationProblem]) {
        let (config, problems) = check(path: path)
        let errors = problems.filter { $0.severity == .error }
        guard let config, errors.isEmpty else { throw ConfigurationError(problems: errors) }
        return (config, problems.filter { $0.severity == .warning })
    }

    /// Every problem of the file at `path`, and the configuration when it parses.
    public static func check(path: String) -> (TSVaultConfiguration?, [ConfigurationProblem]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return (nil, [.init(severity: .error, path: path, message: "cannot read the file")])
        }
        let unknown: [ConfigurationProblem]
        let config: TSVaultConfiguration
        do {
            unknown = try Yams.compose(yaml: text).map { ConfigurationKeys.file.unknownKeys(in: $0) } ?? []
            config = try YAMLDecoder().decode(TSVaultConfiguration.self, from: text)
        } catch let error as DecodingError {
            return (nil, unknownKeys(in: text) + [decodingProblem(error)])
        } catch {
            return (nil, [.init(severity: .error, path: "(document)", message: "not valid YAML: \(error)")])
        }
        return (config, unknown + validate(config))
    }

    /// Unknown keys of a document that parses as YAML; none when it does not.
    private static func unknownKeys(in text: String) -> [ConfigurationProblem] {
        ((try? Yams.compose(yaml: text)) ?? nil).map { ConfigurationKeys.file.unknownKeys(in: $0) } ?? []
    }

    static func decodingProblem(_ error: DecodingError) -> ConfigurationProblem {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
                in: CharacterSet(charactersIn: ".")
            )
            .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return .init(severity: .error, path: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", message: "is required")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return .init(severity: .error, path: path(context.codingPath), message: "expected \(type)")
        case .dataCorrupted(let context):
            return .init(severity: .error, path: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .init(severity: .error, path: "(document)", message: "\(error)")
        }
    }

    static func validate(_ c: TSVaultConfiguration) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func error(_ path: String, _ message: String) { problems.append(.init(severity: .error, path: path, message: message)) }
        func warning(_ path: String, _ message: String) { problems.append(.init(severity: .warning, path: path, message: message)) }
        if c.archive.isEmpty { error("archive", "must name a directory") }
        if !(1...365).contains(c.lookBackDays) { error("lookBackDays", "must be 1...365") }
        if c.segmentSeconds != 60 { error("segmentSeconds", "only 60 is supported") }
        if c.concurrency.global < 1 { error("concurrency.global", "must be at least 1") }
        if c.planner.maxWindowMinutes < 1 { error("planner.maxWindowMinutes", "must be at least 1") }
        if c.planner.mergeGapMinutes < 0 { error("planner.mergeGapMinutes", "must not be negative") }
        if let w = c.runWindow {
            if TimeOfDay(w.start) == nil { error("runWindow.start", "must be HH:MM") }
            if TimeOfDay(w.end) == nil { error("runWindow.end", "must be HH:MM") }
        }
        if let daily = c.schedule?.daily, TimeOfDay(daily) == nil { error("schedule.daily", "must be HH:MM") }
        if let cron = c.schedule?.cron {
            if c.schedule?.daily != nil { error("schedule", "set either daily or cron, not both") }
            do { _ = try CronSchedule(cron) } catch let problem { error("schedule.cron", "\(problem)") }
        }
        if let r = c.retention {
            if let days = r.maxAgeDays, days <= c.lookBackDays {
                error(
                    "retention.maxAgeDays",
                    "must exceed lookBackDays (\(c.lookBackDays)): younger footage would be deleted and fetched again every night")
            }
            if let gb = r.quotaGB, gb <= 0 { error("retention.quotaGB", "must be positive") }
            if r.events != nil, r.maxAgeDays == nil, r.quotaGB == nil {
                warning(
                    "retention.events", "has no effect without maxAgeDays or quotaGB: it only keeps event footage longer than they would")
            }
            if let e = r.events {
                if e.types.isEmpty || e.types.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    error("retention.events.types", "list at least one event type or code name, none empty")
                }
                if e.keepDays <= max(r.maxAgeDays ?? 0, c.lookBackDays) {
                    error(
                        "retention.events.keepDays",
                        "must exceed maxAgeDays and lookBackDays: it is how long event footage outlives the rest")
                }
                if e.beforeSeconds < 0 { error("retention.events.beforeSeconds", "must not be negative") }
                if e.afterSeconds < 0 { error("retention.events.afterSeconds", "must not be negative") }
            }
        }
        if let b = c.backup {
            if b.targets.isEmpty, b.buckets.isEmpty { error("backup", "list at least one target directory or bucket") }
            for (i, target) in b.targets.enumerated() where !target.hasPrefix("/") {
                error("backup.targets[\(i)]", "must be an absolute path (a mount point)")
            }
            let archive = (c.archive as NSString).standardizingPath + "/"
            for (i, target) in b.targets.enumerated() where ((target as NSString).standardizingPath + "/").hasPrefix(archive) {
                error("backup.targets[\(i)]", "is inside the archive: a backup must survive the archive's disk")
            }
            if b.keepSnapshots < 1 { error("backup.keepSnapshots", "must be at least 1") }
            var labels: Set<String> = []
            for (i, bucket) in b.buckets.enumerated() {
                let at = "backup.buckets[\(i)]"
                if bucket.label.isEmpty || bucket.label.contains("/") { error("\(at).label", "must be a non-empty name without '/'") }
                if !labels.insert(bucket.label).inserted { error("\(at).label", "duplicate bucket label \(bucket.label)") }
                problems += storeProblems(bucket.bucket, at: at)
                problems += keyFileProblems(bucket.keyFile, at: "\(at).keyFile")
                if let store = c.store, store.bucketAndPrefix?.bucket == bucket.bucket.bucketAndPrefix?.bucket,
                    store.endpoint == bucket.bucket.endpoint
                {
                    error("\(at).url", "is the archive's own bucket: an offsite copy must survive the archive's storage")
                }
            }
        }
        if let scrub = c.scrub, scrub.gbPerRun <= 0 { error("scrub.gbPerRun", "must be positive") }
        if let live = c.live {
            if live.events.isEmpty {
                error("live.events", "name at least one of \(TSVaultConfiguration.LiveEventKind.allCases.map(\.rawValue))")
            }
            for (key, value) in [
                ("beforeSeconds", live.beforeSeconds), ("afterSeconds", live.afterSeconds), ("settleSeconds", live.settleSeconds)
            ]
            where !(0...3600).contains(value) {
                error("live.\(key)", "must be 0...3600 seconds")
            }
            if !(1...8).contains(live.maxExports) { error("live.maxExports", "must be 1...8") }
        }
        if let daemon = c.daemon {
            if !(1...366).contains(daemon.uiDays) { error("daemon.uiDays", "must be 1...366 days") }
            if let token = daemon.uiToken {
                if token.sourceCount == 0 { error("daemon.uiToken", "needs env:, file: or credential:") }
                problems += secretProblems(token, at: "daemon.uiToken")
            }
        }
        if let store = c.store {
            problems += storeProblems(store, at: "store")
            if store.keepIndexSnapshots < 1 { error("store.keepIndexSnapshots", "must be at least 1") }
        }
        if c.servers.isEmpty { error("servers", "list at least one recorder") }
        var names: Set<String> = []
        for (i, s) in c.servers.enumerated() {
            let at = "servers[\(i)]"
            if s.name.isEmpty || s.name.contains("/") { error("\(at).name", "must be a non-empty name without '/'") }
            if !names.insert(s.name).inserted { error("\(at).name", "duplicate server name \(s.name)") }
            if let url = URL(string: s.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
                if url.user != nil || url.password != nil { error("\(at).url", "must not carry credentials; use apiKey or user/password") }
            } else {
                error("\(at).url", "must be an http:// or https:// URL with a host")
            }
            switch (s.apiKey, s.user) {
            case (nil, nil): error(at, "needs apiKey or user with password")
            case (.some, .some): error(at, "give apiKey or user/password, not both")
            case (nil, .some):
                if s.password?.source == nil { error("\(at).password", "is required with user (env:, file: or credential:)") }
            case (.some(let key), nil): if key.source == nil { error("\(at).apiKey", "needs env:, file: or credential:") }
            }
            for (key, reference) in [("apiKey", s.apiKey), ("password", s.password)] {
                guard let reference else { continue }
                problems += secretProblems(reference, at: "\(at).\(key)")
            }
            if let ca = s.tls?.caFile, !FileManager.default.fileExists(atPath: ca) { error("\(at).tls.caFile", "\(ca) does not exist") }
            if case .list(let list) = s.channels, list.isEmpty || list.contains(where: { $0 < 1 }) {
                error("\(at).channels", "must be all or a list of channel numbers ≥ 1")
            }
            if s.maxConcurrentExports < 1 { error("\(at).maxConcurrentExports", "must be at least 1") }
            if s.api == .legacy, s.user == nil || s.password == nil {
                error("\(at).api", "a recorder before v3.0 (legacy API) has no API keys: give user and password")
            }
            for (key, value) in s.timeouts?.all ?? [] where value.map({ !($0 > 0) }) == true {
                error("\(at).timeouts.\(key)", "must be a positive number of seconds")
            }
        }
        return problems
    }

    /// A secret reference names exactly one source, a credential by a plain name, a file that
    /// exists and only its owner can read.
    static func secretProblems(_ reference: TSVaultConfiguration.SecretReference, at path: String) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func error(_ path: String, _ message: String) { problems.append(.init(severity: .error, path: path, message: message)) }
        func warning(_ path: String, _ message: String) { problems.append(.init(severity: .warning, path: path, message: message)) }
        if reference.sourceCount > 1 { error(path, "give one of env:, file:, credential: or value:") }
        if reference.value != nil { warning(path, "a secret written in the file; prefer env:, file: or credential:") }
        if let name = reference.credential, name.isEmpty || name.contains("/") {
            error("\(path).credential", "must be a credential name (LoadCredential=NAME:PATH), without '/'")
        }
        if let file = reference.file {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
            {
                warning("\(path).file", "\(file) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
            } else if !FileManager.default.fileExists(atPath: file) {
                error("\(path).file", "\(file) does not exist")
            }
        }
        return problems
    }

    static func storeProblems(_ store: TSVaultConfiguration.Store, at path: String) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func error(_ path: String, _ message: String) { problems.append(.init(severity: .error, path: path, message: message)) }
        if let (bucket, prefix) = store.bucketAndPrefix {
            if !S3Location.isValidBucketName(bucket) {
                error("\(path).url", "\(bucket) is not a bucket name (3–63 lower-case letters, digits, '-' and '.')")
            }
            if !prefix.isEmpty, (try? ObjectKey.validate(prefix)) == nil {
                error("\(path).url", "the prefix \(prefix) may hold only letters, digits, '.', '_', '-' and '/'")
            }
        } else {
            error("\(path).url", "must be s3://bucket or s3://bucket/prefix")
        }
        if let url = URL(string: store.endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
            if url.user != nil || url.password != nil {
                error("\(path).endpoint", "must not carry credentials; use accessKey and secretKey")
            }
            if url.scheme == "http", !["127.0.0.1", "localhost", "::1"].contains(url.host ?? "") {
                problems.append(
                    .init(
                        severity: .warning, path: "\(path).endpoint",
                        message: "http:// sends footage and signatures unencrypted; use https://"))
            }
        } else {
            error("\(path).endpoint", "must be an http:// or https:// URL with a host")
        }
        if store.region.isEmpty { error("\(path).region", "must name the region (us-east-1 for Ceph and MinIO)") }
        for (key, reference) in [("accessKey", store.accessKey), ("secretKey", store.secretKey)] {
            if reference.sourceCount == 0 { error("\(path).\(key)", "needs env:, file: or credential:") }
            problems += secretProblems(reference, at: "\(path).\(key)")
        }
        if let ca = store.caFile, !FileManager.default.fileExists(atPath: ca) { error("\(path).caFile", "\(ca) does not exist") }
        if store.partSizeMB < 5 || store.partSizeMB > 5120 { error("\(path).partSizeMB", "must be 5...5120 (S3's part sizes)") }
        return problems
    }

    /// A key file exists, holds a key, and only its owner can read it.
    static func keyFileProblems(_ path: String, at key: String) -> [ConfigurationProblem] {
        guard FileManager.default.fileExists(atPath: path) else {
            return [
                .init(
                    severity: .error, path: key,
                    message: "\(path) does not exist (create it: openssl rand -hex 32 > \(path); chmod 600 \(path))")
            ]
        }
        do { _ = try EncryptingBackend.loadKey(path: path) } catch { return [.init(severity: .error, path: key, message: "\(error)")] }
        return []
    }

    /// Connection settings for one configured server.
    public static func connection(_ s: TSVaultConfiguration.Server) -> ConnectionSettings {
        let credential: ConnectionSettings.Credential
        if let user = s.user, let password = s.password?.source {
            credential = .userPassword(user: user, password: password)
        } else {
            credential = .apiKey(s.apiKey?.source ?? .environment("TSVAULT_API_KEY"))
        }
        var settings = ConnectionSettings(
            name: s.name, baseURL: URL(string: s.url)!, credential: credential,
            tls: TLSSettings(caFile: s.tls?.caFile))
        settings.api =
            switch s.api {
            case .auto: nil
            case .v1: .v1
            case .legacy: .legacy
            }
        if let t = s.timeouts {
            if let v = t.connectSeconds { settings.connectTimeout = .seconds(v) }
            if let v = t.requestSeconds { settings.requestTimeout = .seconds(v) }
            if let v = t.firstMessageSeconds { settings.exportTimeouts.firstMessage = .seconds(v) }
            if let v = t.idleSeconds { settings.exportTimeouts.idle = .seconds(v) }
            if let v = t.exportSeconds { settings.exportTimeouts.session = .seconds(v) }
        }
        return settings
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var problems: [ConfigurationProblem]
    public var description: String { "invalid configuration:\n  " + problems.map(\.description).joined(separator: "\n  ") }
}
