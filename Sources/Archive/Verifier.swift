import Foundation
import GRDB
import Remux

/// How hard `verify` looks.
public enum VerifyLevel: String, Sendable, Codable, CaseIterable, Comparable {
    public static func < (a: VerifyLevel, b: VerifyLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
    /// Every blob exists with its recorded size.
    case quick
    /// Every blob's bytes hash to its name.
    case full
    /// Also demux every packet and check the segment's frames and times against the index.
    case deep
}

/// One blob that failed, with the recorded minutes it holds.
public struct VerifyFailure: Sendable, Encodable, Hashable {
    public struct Holding: Sendable, Encodable, Hashable {
        public var server: String
        public var channel: Int
        public var startMicros: Int64
        public var endMicros: Int64

        private enum CodingKeys: String, CodingKey { case server, channel, start, end }

        /// The minutes as instants (`start`, `end`).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(server, forKey: .server)
            try c.encode(channel, forKey: .channel)
            try c.encode(Date(unixMicros: startMicros), forKey: .start)
            try c.encode(Date(unixMicros: endMicros), forKey: .end)
        }
    }
    public var sha256: String
    public var problem: String
    public var holds: [Holding]
}

public struct VerifyReport: Sendable, Encodable {
    public var level: VerifyLevel
    public var checked = 0
    public var bytes: Int64 = 0
    public var failures: [VerifyFailure] = []
    /// Blob files on disk without an index row (left by an interrupted ingest; complete, and
    /// linked again when their minutes are ingested). Reported, not counted as failures.
    public var orphans: [String] = []
    public var ok: Bool { failures.isEmpty }
}

extension Archive {
    /// Checks `samplePercent` of the blobs (all by default) and records each result.
    public func verify(level: VerifyLevel, samplePercent: Double = 100) throws -> VerifyReport {
        let blobs = try index.read { db in try Row.fetchAll(db, sql: "SELECT sha256, size, compression, kind FROM blobs ORDER BY sha256") }
        var report = VerifyReport(level: level)
        for row in blobs where samplePercent >= 100 || Double.random(in: 0..<100) < samplePercent {
            try checkAndRecord(row, level: level, into: &report)
        }
        let known = Set(blobs.map { $0["sha256"] as String })
        report.orphans = self.blobs.storedNames().filter { !known.contains($0) }.sorted()
        return report
    }

    /// Scrubbing: checks the blobs checked least recently (never-checked ones first) until
    /// `budgetBytes` of them were read, so that passes repeated every night cover the whole
    /// archive in turn without reading all of it each time.
    public func scrub(level: VerifyLevel = .full, budgetBytes: Int64) throws -> VerifyReport {
        let rows = try index.read { db -> [Row] in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sha256, size, compression, kind FROM blobs ORDER BY verified_at IS NOT NULL, verified_at, sha256
                    """)
            var picked: [Row] = []
            var bytes: Int64 = 0
            while bytes < budgetBytes, let row = try cursor.next() {
                picked.append(row.copy())
                bytes += row["size"] as Int64
            }
            return picked
        }
        var report = VerifyReport(level: level)
        for row in rows { try checkAndRecord(row, level: level, into: &report) }
        return report
    }

    /// Checks one blob row and records the result (time and outcome) in the index.
    private func checkAndRecord(_ row: Row, level: VerifyLevel, into report: inout VerifyReport) throws {
        let sha: String = row["sha256"]
        let size: Int64 = row["size"]
        let compressed = (row["compression"] as String?) == BlobCompression.zstd.rawValue
        let problem =
            compressed
            ? checkCompressed(sha: sha, size: size, level: level)
            : check(sha: sha, size: size, level: (row["kind"] as String?) == "video" ? level : min(level, .full))
        report.checked += 1
        report.bytes += size
        try index.write { db in
            try db.execute(
                sql: "UPDATE blobs SET verified_at = ?, verify_result = ? WHERE sha256 = ?",
                arguments: [Date().timeIntervalSince1970, problem.map { "\(level.rawValue): \($0)" } ?? "\(level.rawValue): ok", sha])
        }
        if let problem { report.failures.append(VerifyFailure(sha256: sha, problem: problem, holds: try holdings(of: sha))) }
    }

    private func checkCompressed(sha: String, size: Int64, level: VerifyLevel) -> String? {
        blobs.problem(sha: sha, size: size, compressed: true, hash: level != .quick)
    }

    private func check(sha: String, size: Int64, level: VerifyLevel) -> String? {
        if let problem = blobs.problem(sha: sha, size: size, compressed: false, hash: level != .quick) { return problem }
        return level == .deep ? deepCheck(sha: sha, path: blobs.path(of: sha)) : nil
    }

    /// Demuxes the segment and compares frames, keyframes and duration with its index rows.
    private func deepCheck(sha: String, path: String) -> String? {
        guard
            let rows = try? index.read({ db in
                try Row.fetchAll(
                    db, sql: "SELECT start_us, end_us, frames, keyframes FROM segments WHERE blob_sha256 = ?", arguments: [sha])
            }), let row = rows.first
        else { return "no segment row" }
        let frames: Int = row["frames"]
        let keyframes: Int = row["keyframes"]
        let start: Int64 = row["start_us"]
        let end: Int64 = row["end_us"]
        do {
            let reader = try PacketReader(path: path)
            guard let video = reader.streams.first(where: { $0.mediaType == "video" }) else { return "no video stream" }
            var count = 0
            var keys = 0
            var last: Int64 = 0
            while let p = try reader.next() {
                guard p.streamIndex == video.index else { continue }
                count += 1
                if p.isKeyframe { keys += 1 }
                let tb = video.timeBase
                last = max(last, ((p.pts ?? 0) + p.duration) * 1_000_000 * Int64(tb.numerator) / Int64(tb.denominator))
            }
            if count != frames || keys != keyframes {
                return "demuxed \(count) frames / \(keys) keyframes, index says \(frames) / \(keyframes)"
            }
            if abs(last - (end - start)) > 1_000 { return "media lasts \(last) µs, index says \(end - start) µs" }
            return nil
        } catch {
            return "demux failed: \(error)"
        }
    }

    private func holdings(of sha: String) throws -> [VerifyFailure.Holding] {
        try index.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT servers.name AS server, channels.chid AS chid, segments.start_us AS s, segments.end_us AS e
                    FROM segments JOIN channels ON channels.id = segments.channel_id JOIN servers ON servers.id = channels.server_id
                    WHERE segments.blob_sha256 = ? ORDER BY s
                    """, arguments: [sha]
            ).map { VerifyFailure.Holding(server: $0["server"], channel: $0["chid"], startMicros: $0["s"], endMicros: $0["e"]) }
        }
    }
}

extension BlobStore {
    /// What is wrong with one stored blob, or nil. Without `hash`: it exists (with its size
    /// when stored plain). With it: its bytes (decompressed for zstd) hash to its name.
    @_spi(Backup) public func problem(sha: String, size: Int64, compressed: Bool, hash: Bool) -> String? {
        if compressed {
            guard FileManager.default.fileExists(atPath: path(of: sha) + ".zst") else { return "missing" }
            guard hash else { return nil }
            guard let bytes = try? read(sha) else { return "does not decompress" }
            guard Int64(bytes.count) == size else { return "decompresses to \(bytes.count) bytes, index says \(size)" }
            let actual = Self.sha256Hex(bytes)
            return actual == sha ? nil : "content hashes to \(actual)"
        }
        let path = path(of: sha)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "missing" }
        let actualSize = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        guard actualSize == size else { return "size \(actualSize), index says \(size)" }
        guard hash else { return nil }
        guard let digest = try? Self.digest(of: path) else { return "unreadable" }
        return digest.sha256 == sha ? nil : "content hashes to \(digest.sha256)"
    }
}
