import Foundation

/// `manifest.json` of an evidence package. Everything a recipient needs to check the files
/// and to know where they came from; signed as a whole (Ed25519, `manifest.json.sig`).
public struct EvidenceManifest: Sendable, Codable {
    public struct FileEntry: Sendable, Codable, Hashable {
        public var file: String
        public var sha256: String
        public var size: Int64
    }

    public struct Source: Sendable, Codable, Hashable {
        public var segmentSHA256: String
        public var start: String
        public var end: String
        public var exportFile: String?
        public var recorderMD5: String?
    }

    public struct Part: Sendable, Codable {
        public var video: FileEntry
        public var container: String
        public var subtitles: [FileEntry]
        public var firstFrameUTC: String
        public var firstFrameLocal: String
        public var endUTC: String
        public var endLocal: String
        public var frames: Int
        public var sources: [Source]
    }

    public struct Range: Sendable, Codable, Hashable {
        public var from: String
        public var to: String
    }

    public struct Channel: Sendable, Codable {
        public var channel: Int
        public var title: String?
        /// From the first frame of the first part to the end of the last.
        public var actual: Range?
        /// Stretches inside the requested range without footage (kept as gaps, never bridged).
        public var gaps: [Range]
        public var parts: [Part]
    }

    public var formatVersion = 1
    public var caseID: String
    public var requester: String
    public var reason: String
    public var extractedAt: String
    public var tool: String
    public var server: String
    /// `/api/v1/info` as the recorder answered it during the last run (null for files that
    /// only ever came in through manual ingest).
    public var recorderInfo: String?
    public var timeZone: String
    public var requested: Range
    public var channels: [Channel]
    public var holdsPlaced: [Int64]
    /// Ed25519 public key (hex) whose signature is in `manifest.json.sig`.
    public var publicKey: String
}
