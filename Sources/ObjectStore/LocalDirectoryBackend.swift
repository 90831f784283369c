import Crypto
import Foundation
import HexDigest
import NIOCore

/// Objects as files under a directory: key `blobs/ab/cd/abcd…` is the file `<root>/blobs/ab/cd/abcd…`.
/// An object becomes visible only complete and durable: its bytes are written to a hidden work
/// file (`.tmp-…`) beside it, fsynced, made read-only, linked or renamed into place, and the
/// directory is fsynced. Put-if-absent is a hard link, which fails atomically when the name exists.
public struct LocalDirectoryBackend: ObjectBackend {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try Self.makeDirectory(root)
    }

    public var location: String { root }

    public func path(of key: String) -> String { root + "/" + key }

    public func put(_ key: String, bytes: [UInt8], ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        let work = try workFile(for: key)
        defer { unlink(work) }
        let fd = try Self.create(work)
        do {
            try bytes.withUnsafeBytes { try Self.writeAll(fd, $0, path: work) }
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        return try publish(work, as: key, ifAbsent: ifAbsent)
    }

    public func put(_ key: String, file: String, sha256: String?, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        let work = try workFile(for: key)
        defer { unlink(work) }
        let actual = try Self.copyHashing(file, to: work)
        if let sha256, actual != sha256 { throw ObjectStoreError.contentMismatch(key: key, expected: sha256, actual: actual) }
        return try publish(work, as: key, ifAbsent: ifAbsent)
    }

    public func put(_ key: String, source: any ObjectSource, ifAbsent: Bool) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        let work = try workFile(for: key)
        defer { unlink(work) }
        let fd = try Self.create(work)
        defer { close(fd) }
        let step: Int64 = 4 << 20
        for offset in stride(from: 0, to: source.size, by: Int(step)) {
            let chunk = try source.bytes(at: offset, count: Int(min(step, source.size - offset)))
            try chunk.withUnsafeReadableBytes { try Self.writeAll(fd, $0, path: work) }
        }
        return try publish(work, as: key, ifAbsent: ifAbsent)
    }

    /// Moves the file into place when it is on the same file system (the archive's work
    /// directory is); copies it otherwise. With a `sha256`, the file is hashed first.
    public func adopt(_ key: String, file: String, sha256: String?) async throws -> PutOutcome {
        try ObjectKey.validate(key)
        if let sha256 {
            let actual = try Self.digest(of: file)
            guard actual == sha256 else { throw ObjectStoreError.contentMismatch(key: key, expected: sha256, actual: actual) }
        }
        let target = path(of: key)
        try Self.makeDirectory((target as NSString).deletingLastPathComponent)
        let outcome = try linkInPlace(file, as: target, key: key)
        unlink(file)
        return outcome
    }

    private func linkInPlace(_ file: String, as target: String, key: String) throws -> PutOutcome {
        guard FileManager.default.fileExists(atPath: target) == false else { return .alreadyPresent }
        try Self.fsync(path: file)
        chmod(file, 0o444)
        guard link(file, target) == 0 else {
            if errno == EEXIST { return .alreadyPresent }
            // Another file system: a copy through a work file.
            if errno == EXDEV { return try copyInPlace(file, as: key) }
            throw Self.error(target)
        }
        Self.fsyncDirectory((target as NSString).deletingLastPathComponent)
        return .stored
    }

    private func copyInPlace(_ file: String, as key: String) throws -> PutOutcome {
        let work = try workFile(for: key)
        defer { unlink(work) }
        _ = try Self.copyHashing(file, to: work)
        return try publish(work, as: key, ifAbsent: true)
    }

    public func get(_ key: String, range: Range<Int64>?) async throws -> [UInt8] {
        try ObjectKey.validate(key)
        let path = path(of: key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errno == ENOENT ? ObjectStoreError.notFound(key: key, location: root) : Self.error(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.error(path) }
        let size = Int64(info.st_size)
        let wanted = range ?? 0..<size
        if range != nil, wanted.isEmpty || wanted.lowerBound >= size {
            throw ObjectStoreError.invalidRange(key: key, range: wanted)
        }
        let count = Int(min(wanted.upperBound, size) - wanted.lowerBound)
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(wanted.lowerBound) + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw n == 0 ? ObjectStoreError.io(path: path, detail: "shorter than its size") : Self.error(path) }
            done += n
        }
        return bytes
    }

    public func download(_ key: String, to target: String) async throws -> Downloaded {
        try ObjectKey.validate(key)
        let source = path(of: key)
        guard FileManager.default.fileExists(atPath: source) else { throw ObjectStoreError.notFound(key: key, location: root) }
        let sha = try Self.copyHashing(source, to: target)
        return Downloaded(size: Self.size(of: target) ?? 0, sha256: sha)
    }

    public func head(_ key: String) async throws -> Int64? {
        try ObjectKey.validate(key)
        return Self.size(of: path(of: key))
    }

    /// Walks only the directory the prefix names (`blobs/ab/` walks `<root>/blobs/ab`); hidden
    /// files (work files of a cut-off write) are not objects.
    public func list(prefix: String) async throws -> [StoredObject] {
        try ObjectKey.validate(prefix: prefix)
        let directory = prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
        let base = directory.isEmpty ? root : root + "/" + directory
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var objects: [StoredObject] = []
        while let relative = walker.nextObject() as? String {
            let key = directory.isEmpty ? relative : directory + "/" + relative
            guard key.hasPrefix(prefix), !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            var info = stat()
            guard stat(root + "/" + key, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            objects.append(StoredObject(key: key, size: Int64(info.st_size)))
        }
        return objects.sorted { $0.key < $1.key }
    }

    public func delete(_ keys: [String]) async throws {
        for key in keys { try ObjectKey.validate(key) }
        var directories = Set<String>()
        for key in keys {
            let path = path(of: key)
            guard unlink(path) == 0 || errno == ENOENT else { throw Self.error(path) }
            directories.insert((path as NSString).deletingLastPathComponent)
        }
        for directory in directories { Self.fsyncDirectory(directory) }
    }

    /// The hidden work files of writes that were cut off (a killed process, a full disk).
    public func abandonedWorkFiles() -> [String] {
        let paths = FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String } ?? []
        return paths.filter { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") }.map { root + "/" + $0 }
    }

    // MARK: files

    private func workFile(for key: String) throws -> String {
        let directory = (path(of: key) as NSString).deletingLastPathComponent
        try Self.makeDirectory(directory)
        return directory + "/.tmp-\(UUID().uuidString)"
    }

    /// fsync, read-only, then a link (if absent) or a rename (replace) into place.
    private func publish(_ work: String, as key: String, ifAbsent: Bool) throws -> PutOutcome {
        let target = path(of: key)
        try Self.fsync(path: work)
        chmod(work, 0o444)
        if ifAbsent {
            guard link(work, target) == 0 else {
                if errno == EEXIST { return .alreadyPresent }
                throw Self.error(target)
            }
        } else {
            guard rename(work, target) == 0 else { throw Self.error(target) }
        }
        Self.fsyncDirectory((target as NSString).deletingLastPathComponent)
        return .stored
    }

    static func create(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(path) }
        return fd
    }

    /// Copies in 1 MiB chunks, hashing what it reads; returns the SHA-256.
    static func copyHashing(_ source: String, to target: String) throws -> String {
        let output = try create(target)
        defer { close(output) }
        var hasher = SHA256()
        try readChunks(of: source) { chunk in
            hasher.update(bufferPointer: chunk)
            try writeAll(output, chunk, path: target)
        }
        return hasher.finalize().lowercaseHex
    }

    static func digest(of path: String) throws -> String {
        var hasher = SHA256()
        try readChunks(of: path) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().lowercaseHex
    }

    /// Reads a file in 1 MiB chunks.
    public static func readChunks(of path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw error(path) }
        defer { close(input) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer.baseAddress, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw error(path) }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw error(path)
            }
            offset += n
        }
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw ObjectStoreError.io(path: path, detail: error.localizedDescription)
        }
    }

    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(path) }
        defer { close(fd) }
        guard Foundation.fsync(fd) == 0 else { throw error(path) }
    }

    static func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        Foundation.fsync(fd)
        close(fd)
    }

    static func error(_ path: String) -> ObjectStoreError { .io(path: path, detail: String(cString: strerror(errno))) }
}
