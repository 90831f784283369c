import Crypto
import Foundation
import HexDigest
import ObjectStore

/// The behaviour every object backend must have, as cases a test target runs against each
/// backend (a local directory, a Ceph bucket, either behind the wrappers). A case throws
/// `ConformanceFailure` naming what differed; it checks exact bytes, sizes and key lists.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    public let name: String
    let body: @Sendable (any ObjectBackend, ConformanceScratch) async throws -> Void

    public var description: String { name }

    /// Runs the case against an empty backend; `scratch` is a directory for local files.
    public func run(_ backend: any ObjectBackend, scratch: String) async throws {
        try await body(backend, ConformanceScratch(directory: scratch))
    }
}

public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Local files a case writes and reads (sources of uploads, targets of downloads).
public struct ConformanceScratch: Sendable {
    public let directory: String

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ConformanceFailure(description: "cannot write \(path)")
        }
        return path
    }
}

public enum ObjectBackendConformance {
    /// Larger than three 5 MiB parts: an S3 backend with 5 MiB parts uploads it in four.
    public static let largeSize = 3 * (5 << 20) + 12_345

    public static let cases: [ConformanceCase] = [
        ConformanceCase(name: "put and get return the same bytes", body: putAndGet),
        ConformanceCase(name: "put-if-absent leaves an existing object", body: putIfAbsent),
        ConformanceCase(name: "a plain put replaces an object", body: plainPutReplaces),
        ConformanceCase(name: "ranged gets return exact slices", body: rangedGets),
        ConformanceCase(name: "a missing object is not found, and deleting it is no error", body: missingObject),
        ConformanceCase(name: "listing by prefix gives exact keys and sizes in order", body: listing),
        ConformanceCase(name: "a large file goes up and comes back whole", body: largeFile),
        ConformanceCase(name: "a wrong SHA-256 publishes nothing", body: wrongDigest),
        ConformanceCase(name: "bytes produced by a source go up whole", body: producedSource),
        ConformanceCase(name: "adopt stores once and consumes the file", body: adopt),
        ConformanceCase(name: "batched deletes remove exactly the named keys", body: batchedDelete),
        ConformanceCase(name: "hostile keys are refused and create nothing", body: hostileKeys)
    ]

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(description: message()) }
    }

    /// Deterministic bytes that differ at every offset of a part (a shifted part would show).
    static func bytes(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).lowercaseHex }

    /// The ObjectStoreError `body` throws; fails when it throws nothing or something else.
    static func failure(_ what: String, _ body: () async throws -> Void) async throws -> ObjectStoreError {
        do {
            try await body()
        } catch let error as ObjectStoreError {
            return error
        } catch {
            throw ConformanceFailure(description: "\(what): threw \(type(of: error)) \(error), not the ObjectStoreError expected")
        }
        throw ConformanceFailure(description: "\(what): did not fail")
    }

    // MARK: cases

    static func putAndGet(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        for (n, size) in [0, 1, 1000, 100_000].enumerated() {
            let content = bytes(size, seed: UInt32(n + 1))
            let key = "blobs/sizes/\(size)"
            try check(try await store.put(key, bytes: content, ifAbsent: true) == .stored, "\(key): first put not stored")
            try check(try await store.get(key) == content, "\(key): get differs from what was put")
            try check(try await store.head(key) == Int64(size), "\(key): head does not give \(size)")
        }
    }

    static func putIfAbsent(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let first = bytes(4096, seed: 10)
        try check(try await store.put("k/one", bytes: first, ifAbsent: true) == .stored, "first put not stored")
        try check(try await store.put("k/one", bytes: bytes(4096, seed: 11), ifAbsent: true) == .alreadyPresent, "second put stored")
        let path = try scratch.file("other", bytes(2048, seed: 12))
        try check(try await store.put("k/one", file: path, sha256: nil, ifAbsent: true) == .alreadyPresent, "file put stored")
        try check(try await store.get("k/one") == first, "the first object was changed")
    }

    static func plainPutReplaces(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        try check(try await store.put("snapshots/latest", bytes: bytes(100, seed: 1), ifAbsent: false) == .stored, "first put")
        let second = bytes(50, seed: 2)
        try check(try await store.put("snapshots/latest", bytes: second, ifAbsent: false) == .stored, "replacing put")
        try check(try await store.get("snapshots/latest") == second, "not replaced")
        try check(try await store.head("snapshots/latest") == 50, "size not the new one")
    }

    static func rangedGets(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let content = bytes(10_000, seed: 3)
        _ = try await store.put("r", bytes: content, ifAbsent: true)
        for range: Range<Int64> in [0..<1, 0..<10_000, 4_096..<4_200, 9_999..<10_000] {
            let slice = try await store.get("r", range: range)
            try check(slice == Array(content[Int(range.lowerBound)..<Int(range.upperBound)]), "bytes \(range) differ")
        }
        let clamped = try await store.get("r", range: 9_990..<20_000)
        try check(clamped == Array(content[9_990...]), "a range past the end gave \(clamped.count) bytes, not the last 10")
        let pastEnd = try await failure("a range starting at the end") { _ = try await store.get("r", range: 10_000..<10_010) }
        try check(pastEnd == .invalidRange(key: "r", range: 10_000..<10_010), "a range starting at the end: \(pastEnd)")
    }

    static func missingObject(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let missing = try await failure("get of a missing key") { _ = try await store.get("no/such") }
        try check(missing == .notFound(key: "no/such", location: store.location), "get of a missing key: \(missing)")
        let target = scratch.directory + "/missing-download"
        let notDownloaded = try await failure("download of a missing key") { _ = try await store.download("no/such", to: target) }
        try check(notDownloaded == .notFound(key: "no/such", location: store.location), "download of a missing key: \(notDownloaded)")
        try check(!FileManager.default.fileExists(atPath: target), "a failed download left \(target)")
        try check(try await store.head("no/such") == nil, "head of a missing key is not nil")
        try await store.delete(["no/such"])
    }

    static func listing(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let keys = (0..<23).map { String(format: "blobs/a%02d/x", $0) } + ["blobs/ab", "blobs/b/y", "snapshots/s1.sqlite"]
        for (n, key) in keys.enumerated() { _ = try await store.put(key, bytes: bytes(n, seed: 5), ifAbsent: true) }
        let all = try await store.list(prefix: "")
        try check(all.map(\.key) == keys.sorted(), "the full listing is \(all.map(\.key))")
        try check(all.map(\.size) == keys.sorted().map { Int64(keys.firstIndex(of: $0)!) }, "sizes differ: \(all.map(\.size))")
        let underA = try await store.list(prefix: "blobs/a")
        try check(
            underA.map(\.key) == (0..<23).map { String(format: "blobs/a%02d/x", $0) } + ["blobs/ab"], "blobs/a gives \(underA.map(\.key))")
        let folder = try await store.list(prefix: "blobs/b/")
        try check(folder.map(\.key) == ["blobs/b/y"], "blobs/b/ gives \(folder.map(\.key))")
        try check(try await store.list(prefix: "nothing/").isEmpty, "an unused prefix lists objects")
    }

    static func largeFile(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let content = bytes(largeSize, seed: 7)
        let path = try scratch.file("large", content)
        let sha = sha256(content)
        try check(try await store.put("blobs/large", file: path, sha256: sha, ifAbsent: true) == .stored, "large put not stored")
        try check(try await store.head("blobs/large") == Int64(largeSize), "large head")
        let target = scratch.directory + "/large-back"
        let downloaded = try await store.download("blobs/large", to: target)
        try check(downloaded == Downloaded(size: Int64(largeSize), sha256: sha), "download gave \(downloaded)")
        try check(FileManager.default.contents(atPath: target) == Data(content), "downloaded file differs")
        let boundary = Int64(5 << 20)
        let across = try await store.get("blobs/large", range: boundary - 100..<boundary + 100)
        try check(across == Array(content[Int(boundary) - 100..<Int(boundary) + 100]), "bytes across a part boundary differ")
        try check(try await store.put("blobs/large", file: path, sha256: sha, ifAbsent: true) == .alreadyPresent, "second large put")
    }

    static func wrongDigest(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        for (name, size) in [("small", 3000), ("large", largeSize)] {
            let content = bytes(size, seed: 9)
            let path = try scratch.file("wrong-\(name)", content)
            let claimed = String(repeating: "0", count: 64)
            let refused = try await failure(name) { _ = try await store.put("blobs/\(name)", file: path, sha256: claimed, ifAbsent: true) }
            try check(refused == .contentMismatch(key: "blobs/\(name)", expected: claimed, actual: sha256(content)), "\(name): \(refused)")
            try check(try await store.head("blobs/\(name)") == nil, "a \(name) object with a wrong digest was published")
        }
        try check(try await store.list(prefix: "").isEmpty, "something was published")
    }

    static func producedSource(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        for (name, size) in [("empty", 0), ("small", 1000), ("large", largeSize)] {
            let content = bytes(size, seed: 17)
            let source = BytesSource(content)
            try check(try await store.put("made/\(name)", source: source, ifAbsent: true) == .stored, "\(name) not stored")
            try check(try await store.head("made/\(name)") == Int64(size), "\(name) head")
            try check(try await store.get("made/\(name)") == content, "\(name) content differs")
            let again = BytesSource(bytes(size, seed: 18))
            try check(try await store.put("made/\(name)", source: again, ifAbsent: true) == .alreadyPresent, "second \(name) put")
        }
        try check(try await store.list(prefix: "made/").map(\.key) == ["made/empty", "made/large", "made/small"], "made/ keys")
    }

    static func adopt(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let content = bytes(70_000, seed: 13)
        let first = try scratch.file("adopt-1", content)
        try await check(try await store.adopt("blobs/ad", file: first, sha256: sha256(content)) == .stored, "adopt not stored")
        try check(!FileManager.default.fileExists(atPath: first), "the adopted file is still there")
        let second = try scratch.file("adopt-2", content)
        try await check(try await store.adopt("blobs/ad", file: second, sha256: nil) == .alreadyPresent, "a second adopt stored")
        try check(!FileManager.default.fileExists(atPath: second), "the duplicate file is still there")
        try check(try await store.get("blobs/ad") == content, "adopted content differs")
    }

    static func batchedDelete(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        let keys = (0..<25).map { "d/\($0)" }
        for key in keys { _ = try await store.put(key, bytes: Array(key.utf8), ifAbsent: true) }
        try await store.delete(Array(keys.prefix(20)) + ["d/missing"])
        let left = try await store.list(prefix: "d/").map(\.key)
        try check(left == keys.suffix(5).sorted(), "left after delete: \(left)")
    }

    static func hostileKeys(_ store: any ObjectBackend, _ scratch: ConformanceScratch) async throws {
        for key in ["../escape", "a/../../b", "a//b", ".tmp-x", "a/.hidden", "caf\u{e9}", "a b", "", "/abs", "a/"] {
            let put = try await failure("put of \"\(key)\"") { _ = try await store.put(key, bytes: [1], ifAbsent: true) }
            let get = try await failure("get of \"\(key)\"") { _ = try await store.get(key) }
            for error in [put, get] {
                guard case .invalidKey(let named, _) = error, named == key else {
                    throw ConformanceFailure(description: "\"\(key)\": \(error)")
                }
            }
        }
        try check(try await store.list(prefix: "").isEmpty, "a hostile key created an object")
    }
}
