import Foundation

/// Where the archive's immutable objects live: blobs named by their SHA-256, index snapshots.
/// Two backends implement it — a local directory and an S3-compatible bucket — and wrappers
/// add retries and instrumentation around either. Every backend passes the same conformance
/// suite (TestSupport's `ObjectBackendConformance`), which is what "behaves the same" means here.
///
/// Keys are relative paths of plain components (`blobs/ab/cd/abcd…`, see `ObjectKey`); an
/// object appears whole or not at all, and is never changed once written (put-if-absent).
public protocol ObjectBackend: Sendable {
    /// Where the objects are, for logs and errors: a directory or `s3://bucket/prefix`, never a secret.
    var location: String { get }

    /// Stores `bytes` at `key`. With `ifAbsent`, an existing object is left alone and the
    /// answer says so; without it, the object is replaced.
    func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome

    /// Stores the file's bytes at `key`, streaming them (large files go up in parts on S3).
    /// When `sha256` is given, the bytes sent must hash to it, or nothing is published and
    /// `ObjectStoreError.contentMismatch` is thrown.
    func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome

    /// Stores the bytes `source` produces at `key`, streaming them as `put(_:file:…)` does;
    /// the source may be asked for a range more than once (a retry starts over).
    func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome

    /// Like `put(_:file:…)` but the file is the caller's to give away: the local backend links
    /// it into place instead of copying. The file is removed once the object is stored or found
    /// present; after a failure it is left for the caller (a retry can use it again).
    func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome

    /// The object, or `range` of it (byte offsets, upper bound excluded; a range reaching past
    /// the end stops at the end; one starting at or past the end is `invalidRange`).
    func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8]

    /// Streams the object into a new file at `path`; returns its size and SHA-256.
    func download(_ key: String, to path: String) async throws -> Downloaded

    /// The object's size, or nil when there is none.
    func head(_ key: String) async throws -> Int64?

    /// Every object whose key starts with `prefix`, in key order.
    func list(prefix: String) async throws -> [StoredObject]

    /// Deletes the objects (in batches where the store takes them); missing ones are no error.
    func delete(_ keys: [String]) async throws
}

extension ObjectBackend {
    public func get(_ key: String) async throws -> [UInt8] { try await get(key, range: nil) }

    /// A backend that cannot move a file into place uploads it (only if absent), then removes it.
    public func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome {
        let outcome = try await put(key, file: file, sha256: sha256, ifAbsent: true)
        unlink(file)
        return outcome
    }
}

public enum PutOutcome: Sendable, Equatable { case stored, alreadyPresent }

/// One object as a listing gives it: its key (relative to the backend) and size.
public struct StoredObject: Sendable, Hashable {
    public var key: String
    public var size: Int64

    public init(key: String, size: Int64) {
        self.key = key
        self.size = size
    }
}

/// What a download wrote.
public struct Downloaded: Sendable, Hashable {
    public var size: Int64
    public var sha256: String

    public init(size: Int64, sha256: String) {
        self.size = size
        self.sha256 = sha256
    }
}

/// Errors every backend reports the same way (S3's own refusals stay `S3Error`).
public enum ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(key: String, location: String)
    case invalidKey(String, reason: String)
    case invalidRange(key: String, range: Range<Int64>)
    /// The bytes read while storing do not hash to the name the caller gave: nothing was published.
    case contentMismatch(key: String, expected: String, actual: String)
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .notFound(let key, let location): "no object \(key) in \(location)"
        case .invalidKey(let key, let reason): "\"\(key)\" is not a valid object key: \(reason)"
        case .invalidRange(let key, let range): "bytes \(range.lowerBound)..<\(range.upperBound) are not in \(key)"
        case .contentMismatch(let key, let expected, let actual):
            "\(key): the bytes hash to \(actual), not \(expected); nothing was stored"
        case .io(let path, let detail): "\(path): \(detail)"
        }
    }
}

/// The keys every backend accepts: components of letters, digits, `.`, `_` and `-` joined by
/// `/`, none empty and none starting with a dot (no `..`, and room for the local backend's
/// hidden work files), at most 512 bytes. A listing prefix may also be empty, end with `/`
/// or stop inside a component.
public enum ObjectKey {
    public static func validate(_ key: String) throws {
        if let reason = problem(key, isPrefix: false) { throw ObjectStoreError.invalidKey(key, reason: reason) }
    }

    public static func validate(prefix: String) throws {
        if let reason = problem(prefix, isPrefix: true) { throw ObjectStoreError.invalidKey(prefix, reason: reason) }
    }

    static func problem(_ key: String, isPrefix: Bool) -> String? {
        if key.utf8.count > 512 { return "longer than 512 bytes" }
        if key.isEmpty { return isPrefix ? nil : "empty" }
        let allowed = key.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-/".unicodeScalars.contains($0))
        }
        guard allowed else { return "only letters, digits, '.', '_', '-' and '/' are allowed" }
        var components = key.split(separator: "/", omittingEmptySubsequences: false)
        if isPrefix, components.last == "" { components.removeLast() }
        if components.contains(where: \.isEmpty) { return "an empty component" }
        if components.contains(where: { $0.hasPrefix(".") }) { return "a component starting with '.'" }
        return nil
    }
}
