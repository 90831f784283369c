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
        /// The clip's Export File Format seal; absent for a Matroska part (the format is MP4).
        public var seal: ClipSeal?
    }

    /// Where a clip's signature is and what signed it, for checking it with OpenSSL alone.
    public struct ClipSeal: Sendable, Codable, Hashable {
        /// Byte offset and length of the signature in the clip (the `sibo` box's payload).
        public var signatureOffset: Int64
        public var signatureLength: Int
        /// RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt length 32.
        public var algorithm: String
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
    /// The certificate that signs the clips (SHA-256 of its DER) and the package file holding
    /// it with its chain; absent in packages from before clips were signed.
    public var clipCertificateSHA256: String?
    public var clipSigningChain: FileEntry?
}
