import Archive
import ArgumentParser
import Evidence
import Foundation
import Nightly
import ObjectStore
import Remux
import TSAPI

/// Every exit status of tsvault, decided here and nowhere else (sysexits where one fits).
/// Commands throw a status for their own verdicts (`throw ExitStatus.failed`) and let the
/// libraries' errors through; `TSVault.main` maps both once. README's table is this list
/// (`tsvault exit-codes` prints it; a test compares the two).
enum ExitStatus: Int32, Error, CaseIterable, Sendable {
    case ok = 0
    case failed = 1
    case unreachable = 3
    case tls = 4
    case credentials = 5
    case permission = 6
    case protocolTrouble = 7
    case storeTrouble = 8
    case usage = 64
    case dataError = 65
    case noInput = 66
    case software = 70
    case ioError = 74
    case cutShort = 75

    var meaning: String {
        switch self {
        case .ok: "done: everything asked for is there and sound"
        case .failed: "done, but something needs attention: footage missing, damage found, a check failed (the output lists it)"
        case .unreachable: "a recorder cannot be reached (DNS, connection, time-out)"
        case .tls: "TLS with a recorder failed (certificate, CA file)"
        case .credentials: "a recorder refused the credentials (wrong, expired or revoked)"
        case .permission: "the recorder account lacks a permission tsvault needs"
        case .protocolTrouble: "a recorder answered something tsvault does not understand"
        case .storeTrouble: "the object store (store:) cannot be reached or refused the request (credentials, bucket, answer)"
        case .usage: "usage or configuration error: nothing was changed"
        case .dataError: "unreadable input: a recording that is not media, or without a start time"
        case .noInput: "no archive where one was expected (nothing was created there)"
        case .software: "an unexpected error (a bug: report it with the message)"
        case .ioError: "local I/O error: archive or target disk full, unplugged or damaged, index error"
        case .cutShort: "cut short by SIGTERM or SIGINT: the files in flight were archived; run again to resume"
        }
    }

    /// The status for an error a command threw; nil for ArgumentParser's own (usage errors,
    /// `--help`, explicit exit codes), which it reports itself.
    static func of(_ error: any Error) -> ExitStatus? {
        switch error {
        case let status as ExitStatus: status
        case let error as ArchiveError: of(error)
        case let error as EvidenceError: of(error)
        case let error as TSAPIError: of(error)
        case is S3Error: .storeTrouble
        case let error as ObjectStoreError: of(error)
        case is ConfigurationError, is ConfigFileError, is CronSchedule.ParseError: .usage
        case is RemuxError: .dataError
        case is CocoaError, is POSIXError: .ioError
        case is ExitCode, is CleanExit, is ValidationError: nil
        // ArgumentParser's internal errors (a help request reaches `run()` of a command group
        // as one) are its own to print: help text with exit 0, not "software error" 70.
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."): nil
        default: .software
        }
    }

    static func of(_ error: ArchiveError) -> ExitStatus {
        switch error {
        case .ioFailed, .indexFailed: .ioError
        case .unreadableMedia, .noStartTime: .dataError
        case .invalidInput: .usage
        case .noArchive: .noInput
        case .storeMismatch, .storeClaimed: .usage
        }
    }

    static func of(_ error: ObjectStoreError) -> ExitStatus {
        switch error {
        case .io: .ioError
        case .invalidKey, .invalidRange: .usage
        case .notFound, .contentMismatch: .storeTrouble
        }
    }

    static func of(_ error: EvidenceError) -> ExitStatus {
        switch error {
        case .nothingArchived: .failed
        case .key, .invalidInput: .usage
        case .unreadablePackage: .dataError
        }
    }

    /// The same verdicts as `tsvault server check`.
    static func of(_ error: TSAPIError) -> ExitStatus {
        switch error {
        case .secretUnavailable, .invalidSettings: .usage
        case .unreachable, .timedOut: .unreachable
        case .tls: .tls
        case .unauthorized: .credentials
        case .forbidden: .permission
        case .localWriteFailed: .ioError
        default: .protocolTrouble
        }
    }

    /// `tsvault server check`'s report, as a status.
    static func of(_ verdict: ServerCheckReport.Verdict) -> ExitStatus {
        switch verdict {
        case .ready: .ok
        case .unreachable: .unreachable
        case .tls: .tls
        case .credentials: .credentials
        case .permission: .permission
        case .protocolError: .protocolTrouble
        }
    }

    /// The table README.md shows under "Exit codes".
    static var markdownTable: String {
        (["| code | meaning |", "| ---: | --- |"] + allCases.map { "| \($0.rawValue) | \($0.meaning) |" }).joined(separator: "\n")
    }
}
