import Archive
import Foundation
import TSAPI
import Yams

/// `tsvault.yaml`: everything a nightly run needs. Config/tsvault.example.yaml documents each key.
public struct TSVaultConfiguration: Sendable, Codable {
    public var archive: String
    /// Where the archive's blobs go when not in its directory: an S3-compatible bucket.
    public var store: Store?
    /// Days back from now that the planner looks for recordings.
    public var lookBackDays: Int = 7
    public var segmentSeconds: Int = 60
    /// Local wall-clock window in which new exports may start, e.g. 01:00–06:00.
    public var runWindow: RunWindow?
    public var concurrency: Concurrency = .init()
    public var planner: PlannerSettings = .init()
    public var schedule: Schedule?
    public var retention: Retention?
    public var backup: Backup?
    public var scrub: Scrub?
    public var daemon: Daemon?
    public var live: Live?
    public var servers: [Server]

    /// `store:`: the archive's blobs in an S3-compatible bucket (Ceph's RADOS gateway, AWS S3,
    /// MinIO); the index, work files and signing keys stay in `archive`.
    public struct Store: Sendable, Codable, Hashable {
        /// `s3://bucket/prefix`; the prefix lets several workers share one bucket.
        public var url: String
        /// `https://host:port` of the S3 API.
        public var endpoint: String
        public var region: String = "us-east-1"
        /// `path` (`/bucket/key`, Ceph and MinIO) or `virtualHost` (`bucket.host/key`, AWS).
        public var addressing: Addressing = .path
        public var accessKey: SecretReference
        public var secretKey: SecretReference
        /// PEM certificates trusted instead of the system's roots (a site's own CA).
        public var caFile: String?
        /// Blobs larger than this go up in parts of this size (MiB, at least 5).
        public var partSizeMB: Int = 16
        /// Whether the store honours `If-None-Match: *` (Ceph, AWS and MinIO do); when off,
        /// put-if-absent asks with HEAD first.
        public var conditionalWrites: Bool = true
        /// Index snapshots kept in the bucket (one pushed after each run).
        public var keepIndexSnapshots: Int = 7

        public enum Addressing: String, Sendable, Codable, Hashable { case path, virtualHost }

        enum CodingKeys: String, CodingKey {
            case url, endpoint, region, addressing, accessKey, secretKey, caFile, partSizeMB, conditionalWrites, keepIndexSnapshots
        }

        public init(url: String, endpoint: String, accessKey: SecretReference, secretKey: SecretReference) {
            self.url = url
            self.endpoint = endpoint
            self.accessKey = accessKey
            self.secretKey = secretKey
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            endpoint = try c.decode(String.self, forKey: .endpoint)
            region = try c.decodeIfPresent(String.self, forKey: .region) ?? "us-east-1"
            addressing = try c.decodeIfPresent(Addressing.self, forKey: .addressing) ?? .path
            accessKey = try c.decode(SecretReference.self, forKey: .accessKey)
            secretKey = try c.decode(SecretReference.self, forKey: .secretKey)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            partSizeMB = try c.decodeIfPresent(Int.self, forKey: .partSizeMB) ?? 16
            conditionalWrites = try c.decodeIfPresent(Bool.self, forKey: .conditionalWrites) ?? true
            keepIndexSnapshots = try c.decodeIfPresent(Int.self, forKey: .keepIndexSnapshots) ?? 7
        }

        /// Bucket and prefix of `url`, nil when it is not `s3://bucket[/prefix]`.
        public var bucketAndPrefix: (bucket: String, prefix: String)? {
            guard url.hasPrefix("s3://") else { return nil }
            let rest = url.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            let prefix = String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            return bucket.isEmpty ? nil : (bucket, prefix)
        }
    }

    public struct RunWindow: Sendable, Codable, Hashable {
        public var start: String
        public var end: String

        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    public struct Concurrency: Sendable, Codable, Hashable {
        /// Exports running at once across all recorders.
        public var global: Int = 4
        public init() {}
    }

    public struct PlannerSettings: Sendable, Codable, Hashable {
        /// Missing runs separated by at most this many recorded-and-archived minutes merge.
        public var mergeGapMinutes: Int = 2
        /// Longest export window.
        public var maxWindowMinutes: Int = 60
        /// Minutes before now that are left for the next run (the recorder may still be
        /// writing them).
        public var settleMinutes: Int = 2
        public init() {}
    }

    public struct Schedule: Sendable, Codable, Hashable {
        /// Daily start time, `HH:MM` local.
        public var daily: String?
        /// A five-field cron expression, local time; instead of `daily`.
        public var cron: String?

        public init(daily: String? = nil, cron: String? = nil) {
            self.daily = daily
            self.cron = cron
        }

        /// What the daemon follows: the cron expression, else the daily time (01:00 when
        /// neither is set). Call after validation.
        public func resolved() throws -> DaemonSchedule {
            if let cron { return .cron(try CronSchedule(cron)) }
            return .daily(daily.flatMap(TimeOfDay.init) ?? TimeOfDay("01:00")!)
        }
    }

    /// `daemon:`: the coverage page (/ui) and its JSON (/status) the daemon serves beside
    /// /metrics. On a loopback address they are open to local users; on any other address only
    /// to requests carrying `Authorization: Bearer <uiToken>`, and off without a token.
    public struct Daemon: Sendable, Codable, Hashable {
        public var uiToken: SecretReference?
        /// Days back from today the page covers unless the request asks (`?days=`).
        public var uiDays: Int = 31

        public init(uiToken: SecretReference? = nil, uiDays: Int = 31) {
            self.uiToken = uiToken
            self.uiDays = uiDays
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            uiToken = try c.decodeIfPresent(SecretReference.self, forKey: .uiToken)
            uiDays = try c.decodeIfPresent(Int.self, forKey: .uiDays) ?? 31
        }

        /// The token's source, nil when none is configured.
        public var uiTokenSource: SecretSource? { uiToken?.source }
    }

    /// `live:`: the daemon watches each recorder's event socket and archives the minutes around
    /// the events named here as soon as the recorder has written them, instead of the next night.
    public struct Live: Sendable, Codable, Hashable {
        /// Which changes export the minutes around them.
        public var events: [LiveEventKind]
        public var beforeSeconds: Int = 30
        public var afterSeconds: Int = 60
        /// How long after `after` the recorder is given to close its file.
        public var settleSeconds: Int = 20
        /// Live exports at once per recorder (the nightly run has the rest of the recorder's).
        public var maxExports: Int = 1

        public init(events: [LiveEventKind], beforeSeconds: Int = 30, afterSeconds: Int = 60, settleSeconds: Int = 20, maxExports: Int = 1)
        {
            self.events = events
            self.beforeSeconds = beforeSeconds
            self.afterSeconds = afterSeconds
            self.settleSeconds = settleSeconds
            self.maxExports = maxExports
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            events = try c.decode([LiveEventKind].self, forKey: .events)
            beforeSeconds = try c.decodeIfPresent(Int.self, forKey: .beforeSeconds) ?? 30
            afterSeconds = try c.decodeIfPresent(Int.self, forKey: .afterSeconds) ?? 60
            settleSeconds = try c.decodeIfPresent(Int.self, forKey: .settleSeconds) ?? 20
            maxExports = try c.decodeIfPresent(Int.self, forKey: .maxExports) ?? 1
        }
    }

    /// A change of a recorder that live watch can archive the footage around.
    public enum LiveEventKind: String, Sendable, Codable, Hashable, CaseIterable {
        /// Motion starts on a channel.
        case motion
        /// A camera disconnects (the minutes before it are the ones that matter).
        case disconnected
        /// A channel stops recording.
        case recordingStopped
    }

    /// Retention: `tsvault retention [--apply]`, and the daemon after each run.
    public struct Retention: Sendable, Codable, Hashable {
        /// Segments older than this are deleted (must exceed lookBackDays).
        public var maxAgeDays: Int?
        /// The oldest segments are deleted while the archive stores more (10^9 bytes).
        public var quotaGB: Double?
        /// Footage around these recorder events is kept longer; the nightly run then also
        /// stores the recorder's event log.
        public var events: Events?

        public init(maxAgeDays: Int? = nil, quotaGB: Double? = nil, events: Events? = nil) {
            self.maxAgeDays = maxAgeDays
            self.quotaGB = quotaGB
            self.events = events
        }

        public struct Events: Sendable, Codable, Hashable {
            /// Event type or code names as the recorder reports them (`tsvault server check`
            /// does not list them; `/api/v1/event/type` does), matched without regard to case.
            public var types: [String]
            /// Days the footage is kept after the event (must exceed maxAgeDays).
            public var keepDays: Int
            public var beforeSeconds: Int = 30
            public var afterSeconds: Int = 60

            public init(types: [String], keepDays: Int, beforeSeconds: Int = 30, afterSeconds: Int = 60) {
                self.types = types
                self.keepDays = keepDays
                self.beforeSeconds = beforeSeconds
                self.afterSeconds = afterSeconds
            }
        }
    }

    /// Integrity scrubbing by the daemon after each run: the blobs checked least recently,
    /// `gbPerRun` of them, so the whole archive is re-read in turn.
    public struct Scrub: Sendable, Codable, Hashable {
        public var gbPerRun: Double
        public var level: VerifyLevel = .full

        public init(gbPerRun: Double, level: VerifyLevel = .full) {
            self.gbPerRun = gbPerRun
            self.level = level
        }
    }

    /// Offsite backup targets the daemon pushes to after each run (and retention).
    public struct Backup: Sendable, Codable, Hashable {
        /// Mount points of backup targets (initialized once with `tsvault backup push DIR
        /// --label NAME`). Those not mounted — the disk swapped out — are skipped.
        public var targets: [String]
        public var keepSnapshots: Int = 7
        /// Offsite copies in S3-compatible buckets, encrypted with a key of their own.
        public var buckets: [TSVaultConfiguration.BucketTarget] = []

        public init(targets: [String], keepSnapshots: Int = 7, buckets: [TSVaultConfiguration.BucketTarget] = []) {
            self.targets = targets
            self.keepSnapshots = keepSnapshots
            self.buckets = buckets
        }
    }

    public struct Server: Sendable, Codable {
        public var name: String
        public var url: String
        public var apiKey: SecretReference?
        public var user: String?
        public var password: SecretReference?
        public var tls: TLS?
        public var channels: ChannelSelection = .all
        public var maxConcurrentExports: Int = 2
        /// Bounds on every wait on this recorder, in seconds; absent ones keep the defaults.
        public var timeouts: Timeouts?
        /// The API it speaks: asked on connecting (`auto`), or forced.
        public var api: API = .auto

        public enum API: String, Sendable, Codable, CaseIterable {
            /// TS-API v1 if `/api/v1/info` answers, else the legacy API if `/api/info` does.
            case auto
            /// TS-API v1 (TS-NVR, TS-CMS, TS-IVR v3.0 and later).
            case v1
            /// The legacy query-string API of recorders before v3.0 (user and password only).
            case legacy
        }

        public struct TLS: Sendable, Codable, Hashable {
            public var caFile: String?
        }

        public struct Timeouts: Sendable, Codable, Hashable {
            /// TCP and TLS connect (default 10).
            public var connectSeconds: Double?
            /// One REST request, and a download that receives nothing (default 30).
            public var requestSeconds: Double?
            /// Opening the export socket until the recorder's first message (default 30).
            public var firstMessageSeconds: Double?
            /// An export session with no traffic either way (default 120).
            public var idleSeconds: Double?
            /// One whole export session, downloads included (default 21600).
            public var exportSeconds: Double?

            var all: [(key: String, value: Double?)] {
                [
                    ("connectSeconds", connectSeconds), ("requestSeconds", requestSeconds), ("firstMessageSeconds", firstMessageSeconds),
                    ("idleSeconds", idleSeconds), ("exportSeconds", exportSeconds)
                ]
            }
        }
    }

    /// `{ env: NAME }`, `{ file: PATH }` or `{ credential: NAME }` (systemd's LoadCredential=);
    /// a literal `value:` is accepted but discouraged.
    public struct SecretReference: Sendable, Codable, Hashable {
        public var env: String?
        public var file: String?
        public var credential: String?
        public var value: String?

        /// How many sources the reference names; more than one is a configuration error.
        var sourceCount: Int { [env, file, credential, value].compactMap { $0 }.count }

        var source: SecretSource? {
            if let env { return .environment(env) }
            if let file { return .file(file) }
            if let credential { return .credential(credential) }
            if let value { return .literal(Secret(value)) }
            return nil
        }
    }

    public enum ChannelSelection: Sendable, Codable, Hashable {
        case all
        case list([Int])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let word = try? container.decode(String.self), word == "all" {
                self = .all
                return
            }
            self = .list(try container.decode([Int].self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .all: try container.encode("all")
            case .list(let list): try container.encode(list)
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case archive, store, lookBackDays, segmentSeconds, runWindow, concurrency, planner, schedule, retention, backup, scrub, daemon,
            live, servers
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        archive = try c.decode(String.self, forKey: .archive)
        store = try c.decodeIfPresent(Store.self, forKey: .store)
        lookBackDays = try c.decodeIfPresent(Int.self, forKey: .lookBackDays) ?? 7
        segmentSeconds = try c.decodeIfPresent(Int.self, forKey: .segmentSeconds) ?? 60
        runWindow = try c.decodeIfPresent(RunWindow.self, forKey: .runWindow)
        concurrency = try c.decodeIfPresent(Concurrency.self, forKey: .concurrency) ?? .init()
        planner = try c.decodeIfPresent(PlannerSettings.self, forKey: .planner) ?? .init()
        schedule = try c.decodeIfPresent(Schedule.self, forKey: .schedule)
        retention = try c.decodeIfPresent(Retention.self, forKey: .retention)
        backup = try c.decodeIfPresent(Backup.self, forKey: .backup)
        scrub = try c.decodeIfPresent(Scrub.self, forKey: .scrub)
        daemon = try c.decodeIfPresent(Daemon.self, forKey: .daemon)
        live = try c.decodeIfPresent(Live.self, forKey: .live)
        servers = try c.decode([Server].self, forKey: .servers)
    }
}

extension TSVaultConfiguration.Concurrency {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        global = try c.decodeIfPresent(Int.self, forKey: .global) ?? 4
    }
}

extension TSVaultConfiguration.Retention.Events {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        types = try c.decode([String].self, forKey: .types)
        keepDays = try c.decode(Int.self, forKey: .keepDays)
        beforeSeconds = try c.decodeIfPresent(Int.self, forKey: .beforeSeconds) ?? 30
        afterSeconds = try c.decodeIfPresent(Int.self, forKey: .afterSeconds) ?? 60
    }
}

extension TSVaultConfiguration.Scrub {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gbPerRun = try c.decode(Double.self, forKey: .gbPerRun)
        level = try c.decodeIfPresent(VerifyLevel.self, forKey: .level) ?? .full
    }
}

extension TSVaultConfiguration.Backup {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        targets = try c.decodeIfPresent([String].self, forKey: .targets) ?? []
        keepSnapshots = try c.decodeIfPresent(Int.self, forKey: .keepSnapshots) ?? 7
        buckets = try c.decodeIfPresent([TSVaultConfiguration.BucketTarget].self, forKey: .buckets) ?? []
    }
}

extension TSVaultConfiguration {
    /// `backup.buckets[]`: a bucket prefix as an offsite target — the keys of `store:` (where and
    /// how to reach it), a label, and the key file its copies are encrypted with (required: a
    /// bucket is trusted with footage without trusting whoever runs it).
    public struct BucketTarget: Sendable, Codable, Hashable {
        public var label: String
        /// 32 random bytes as 64 hex digits, mode 0600 (`openssl rand -hex 32`). Keep a copy
        /// apart from the archive: without it the copies cannot be read.
        public var keyFile: String
        public var bucket: Store

        enum CodingKeys: String, CodingKey { case label, keyFile }

        public init(label: String, keyFile: String, bucket: Store) {
            self.label = label
            self.keyFile = keyFile
            self.bucket = bucket
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            label = try c.decode(String.self, forKey: .label)
            keyFile = try c.decode(String.self, forKey: .keyFile)
            bucket = try Store(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try bucket.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(keyFile, forKey: .keyFile)
        }
    }
}

extension TSVaultConfiguration.PlannerSettings {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mergeGapMinutes = try c.decodeIfPresent(Int.self, forKey: .mergeGapMinutes) ?? 2
        maxWindowMinutes = try c.decodeIfPresent(Int.self, forKey: .maxWindowMinutes) ?? 60
        settleMinutes = try c.decodeIfPresent(Int.self, forKey: .settleMinutes) ?? 2
    }
}

extension TSVaultConfiguration.Server {
    enum CodingKeys: String, CodingKey { case name, url, apiKey, user, password, tls, channels, maxConcurrentExports, timeouts, api }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        url = try c.decode(String.self, forKey: .url)
        apiKey = try c.decodeIfPresent(TSVaultConfiguration.SecretReference.self, forKey: .apiKey)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        password = try c.decodeIfPresent(TSVaultConfiguration.SecretReference.self, forKey: .password)
        tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
        channels = try c.decodeIfPresent(TSVaultConfiguration.ChannelSelection.self, forKey: .channels) ?? .all
        maxConcurrentExports = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentExports) ?? 2
        timeouts = try c.decodeIfPresent(Timeouts.self, forKey: .timeouts)
        api = try c.decodeIfPresent(API.self, forKey: .api) ?? .auto
    }
}
