import Archive
import Foundation

/// The steps of the nightly job after the export run. Each runs when the configuration has
/// it, unless the caller leaves it out (`tsvault run --no-retention`, …).
public enum NightlyStep: String, Sendable, Codable, Hashable, CaseIterable {
    case retention, scrub, backup
}

/// What retention did after a run.
public struct RetentionOutcome: Sendable, Codable, Hashable {
    public var deletedSegments = 0
    public var bytesFreed: Int64 = 0
    /// Segments the policy selected but a legal hold or recorder events keep.
    public var heldSegments = 0
    public var eventKeptSegments = 0
    /// What the blobs store afterwards, and by how much that is over `retention.quotaGB`.
    public var storedBytes: Int64 = 0
    public var overQuotaBytes: Int64 = 0
    /// Why it failed; nothing was deleted then.
    public var error: String?

    public init(_ result: RetentionResult) {
        deletedSegments = result.deletedSegments
        bytesFreed = result.bytesFreed
        heldSegments = result.plan.heldSegments
        eventKeptSegments = result.plan.eventKeptSegments
        storedBytes = result.plan.storedBytesBefore - result.plan.bytesFreed
        overQuotaBytes = result.plan.quotaShortfallBytes
    }

    public init(error: String) { self.error = error }
}

/// What the scrub budget re-checked after a run.
public struct ScrubOutcome: Sendable, Codable, Hashable {
    public var checkedBlobs = 0
    public var bytes: Int64 = 0
    /// SHA-256 names of the blobs found damaged (`tsvault verify` names their minutes).
    public var damagedBlobs: [String] = []
    /// Why the scrub could not run.
    public var error: String?

    public init(_ report: VerifyReport) {
        checkedBlobs = report.checked
        bytes = report.bytes
        damagedBlobs = report.failures.map(\.sha256)
    }

    public init(error: String) { self.error = error }
}

/// What one configured backup target got after a run.
public struct BackupOutcome: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, Hashable {
        case pushed
        /// Not mounted or not initialized: with rotation, the disk is in the drawer.
        case skipped
        case failed
    }

    /// The directory as configured under `backup.targets`.
    public var target: String
    public var status: Status
    public var label: String?
    public var snapshot: String?
    public var copiedBlobs: Int?
    /// Archive blobs the push left out because they are damaged.
    public var damagedBlobs: Int?
    public var finishedAt: Date?
    public var error: String?

    public init(_ outcome: BackupRotation.Outcome, at finished: Date) {
        switch outcome {
        case .pushed(let path, let report):
            self.init(target: path, status: .pushed)
            label = report.label
            snapshot = report.snapshot
            copiedBlobs = report.copiedBlobs
            damagedBlobs = report.damaged.count
            finishedAt = finished
        case .skipped(let path):
            self.init(target: path, status: .skipped)
        case .failed(let path, let error):
            self.init(target: path, status: .failed)
            self.error = error
        }
    }

    init(target: String, status: Status) {
        self.target = target
        self.status = status
    }
}

extension RunReport {
    /// What needs the operator after the export run: a failed retention or scrub, damaged
    /// blobs, a backup that failed or left damaged blobs out. Empty when all was fine.
    public var followUpProblems: [String] {
        var problems: [String] = []
        if let error = retention?.error { problems.append("retention failed: \(error)") }
        if let over = retention?.overQuotaBytes, over > 0 {
            problems.append("the archive is over retention.quotaGB by \(over) bytes (held, protected or event footage keeps it)")
        }
        if let error = scrub?.error { problems.append("scrub failed: \(error)") }
        if let damaged = scrub?.damagedBlobs, !damaged.isEmpty {
            problems.append("scrub found \(damaged.count) damaged blobs (tsvault verify names their minutes)")
        }
        for backup in backups ?? [] {
            if backup.status == .failed { problems.append("backup to \(backup.target) failed: \(backup.error ?? "unknown error")") }
            if let damaged = backup.damagedBlobs, damaged > 0 {
                problems.append("backup to \(backup.label ?? backup.target) left out \(damaged) damaged blobs")
            }
        }
        return problems
    }
}

/// The index snapshot pushed to the bucket of an archive whose blobs are there (`store:`).
public struct IndexSnapshotOutcome: Sendable, Codable, Hashable {
    /// `s3://bucket/prefix/index`.
    public var location: String
    /// The snapshot's name; nil when the push failed.
    public var snapshot: String?
    public var error: String?
}
