import Crypto
import Foundation
import GRDB
import HexDigest
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
    public func verify(level: VerifyLevel, samplePercent: Double = 100) async throws -> VerifyReport {
        let blobs = try index.read { db in try Row.fetchAll(db, sql: "SELECT sha256, size, compression, kind FROM blobs ORDER BY sha256") }
        var report = VerifyReport(level: level)
        for row in blobs where samplePercent >= 100 || Double.random(in: 0..<100) < samplePercent {
            try await checkAndRecord(row, level: level, into: &report)
        }
        let known = Set(blobs.map { $0["sha256"] as String })
        report.orphans = try await self.blobs.storedNames().filter { !known.contains($0) }.sorted()
        return report
    }

    /// Scrubbing: checks the blobs checked least recently (never-checked ones first) until
    /// `budgetBytes` of them were read, so that passes repeated every night cover the whole
    /// archive in turn without reading all of it each time.
    public func scrub(level: VerifyLevel = .full, budgetBytes: Int64) async throws -> VerifyReport {
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
        for row in rows { try await checkAndRecord(row, level: level, into: &report) }
        return report
    }

    /// Checks one blob row and records the result (time and outcome) in the index.
    private func checkAndRecord(_ row: Row, level: VerifyLevel, into report: inout VerifyReport) async throws {
        let sha: String = row["sha256"]
        let size: Int64 = row["size"]
        let compressed = (row["compression"] as String?) == BlobCompression.zstd.rawValue
        let problem =
            compressed
            ? await checkCompressed(sha: sha, size: size, level: level)
            : await check(sha: sha, size: size, level: (row["kind"] as String?) == "video" ? level : min(level, .full))
        report.checked += 1
        report.bytes += size
        try index.write { db in
            try db.execute(
                sql: "UPDATE blobs SET verified_at = ?, verify_result = ? WHERE sha256 = ?",
                arguments: [Date().timeIntervalSince1970, problem.map { "\(level.rawValue): \($0)" } ?? "\(level.rawValue): ok", sha])
        }
        if let problem { report.failures.append(VerifyFailure(sha256: sha, problem: problem, holds: try holdings(of: sha))) }
    }

    private func checkCompressed(sha: String, size: Int64, level: VerifyLevel) async -> String? {
        await blobs.problem(sha: sha, size: size, compressed: true, hash: level != .quick)
    }

    private func check(sha: String, size: Int64, level: VerifyLevel) async -> String? {
        if let problem = await blobs.problem(sha: sha, size: size, compressed: false, hash: level != .quick) { return problem }
        guard level == .deep else { return nil }
        do {
            return try await blobs.withLocalFiles([sha]) { paths in
                let path = paths[sha]!
                return try await IngestQueue.shared.run { deepCheck(sha: sha, path: path) }
            }
        } catch {
            return "unreadable: \(error)"
        }
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
    /// when stored plain). With it: its bytes (decompressed for zstd) hash to its name — read
    /// in place on a local store, in ranged reads of 8 MiB from a remote one (nothing written).
    @_spi(Backup) public func problem(sha: String, size: Int64, compressed: Bool, hash: Bool) async -> String? {
        do {
            let key = Self.key(of: sha, compressed: compressed)
            guard let storedSize = try await backend.head(key) else { return "missing" }
            if compressed {
                guard hash else { return nil }
                guard let bytes = try? Zstd.decompress(try await backend.get(key)) else { return "does not decompress" }
                guard Int64(bytes.count) == size else { return "decompresses to \(bytes.count) bytes, index says \(size)" }
                let actual = Self.sha256Hex(bytes)
                return actual == sha ? nil : "content hashes to \(actual)"
            }
            guard storedSize == size else { return "size \(storedSize), index says \(size)" }
            guard hash else { return nil }
            let actual = try await storedDigest(key, size: size)
            return actual == sha ? nil : "content hashes to \(actual)"
        } catch {
            return "unreadable: \(error)"
        }
    }

    /// The SHA-256 of a stored object of known size.
    func storedDigest(_ key: String, size: Int64) async throws -> String {
        if let directory {
            let path = directory + "/" + key
            return try await IngestQueue.shared.run { try Self.digest(of: path).sha256 }
        }
        var hasher = SHA256()
        var offset: Int64 = 0
        let chunk: Int64 = 8 << 20
        while offset < size {
            let bytes = try await backend.get(key, range: offset..<min(offset + chunk, size))
            guard !bytes.isEmpty else { break }
            bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            offset += Int64(bytes.count)
        }
        return hasher.finalize().lowercaseHex
    }
}
