@_spi(Backup) import Archive
import Foundation
import Synchronization
import Testing

/// The store lock between ingests (shared) and retention (exclusive), held by someone else the
/// way another process holds it: its own descriptor of `store.lock`, locked with `flock`.
@Suite(.timeLimit(.minutes(1))) struct StoreLockTests {
    /// A lock taken outside `StoreLock`, as `tsvault retention --apply` in another process would.
    final class OutsideHolder: Sendable {
        private let fd: Mutex<Int32>

        init(_ root: String, _ mode: StoreLock.Mode) throws {
            let fd = open(root + "/store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            try #require(fd >= 0)
            try #require(flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) == 0)
            self.fd = Mutex(fd)
        }

        func release() {
            fd.withLock {
                if $0 >= 0 { close($0) }
                $0 = -1
            }
        }

        deinit { release() }
    }

    /// How many times something happened, readable from any thread.
    final class Tally: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Whether nobody holds the lock at all: an exclusive try from a new descriptor succeeds.
    static func isFree(_ root: String) -> Bool {
        let fd = open(root + "/store.lock", O_RDWR | O_CLOEXEC)
        defer { close(fd) }
        return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let held: StoreLock.Mode
        let wanted: StoreLock.Mode
        let waits: Bool
        var testDescription: String { "\(wanted) while \(held) is held: \(waits ? "waits" : "enters")" }
    }

    @Test(arguments: [
        Case(held: .exclusive, wanted: .shared, waits: true),
        Case(held: .shared, wanted: .exclusive, waits: true),
        Case(held: .exclusive, wanted: .exclusive, waits: true),
        Case(held: .shared, wanted: .shared, waits: false)
    ])
    func aConflictingHolderIsWaitedForAndTheLockTakenOnceItLetsGo(_ test: Case) async throws {
        let root = try ArchiveFixture.temporaryDirectory("store-lock")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outside = try OutsideHolder(root, test.held)
        let entered = Tally()
        let waiter = Task { try await StoreLock.holding(root, test.wanted) { entered.add() } }
        try await Task.sleep(for: .milliseconds(400))
        #expect((entered.value == 1) == !test.waits)
        outside.release()
        try await waiter.value
        #expect(entered.value == 1)
        #expect(Self.isFree(root), "the lock is released when the body returns")
    }

    /// A waiter must not hold a thread of the cooperative pool: the holder may need one to get
    /// to its release. More waiters than the pool has threads wait at once, and other work must
    /// still run meanwhile. Should it not (waiters blocking their threads), a plain thread lets
    /// the outside lock go after 10 s so the test fails instead of hanging.
    @Test func waitersLeaveTheCooperativePoolFreeForOtherWork() async throws {
        let root = try ArchiveFixture.temporaryDirectory("store-lock")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outside = try OutsideHolder(root, .exclusive)
        let progressed = Tally()
        let rescued = Tally()
        let rescue = Thread {
            Thread.sleep(forTimeInterval: 10)
            if progressed.value == 0 {
                rescued.add()
                outside.release()
            }
        }
        rescue.start()
        let waiterCount = ProcessInfo.processInfo.activeProcessorCount * 2 + 2
        let entered = Tally()
        let waiters = (0..<waiterCount).map { _ in
            Task { try await StoreLock.holding(root, .shared) { entered.add() } }
        }
        try await Task.sleep(for: .milliseconds(300))
        // Work that needs the pool's threads: child tasks, each resumed on the pool.
        let sum = await withTaskGroup(of: Int.self) { group in
            for n in 1...16 { group.addTask { n } }
            return await group.reduce(0, +)
        }
        progressed.add()
        #expect(sum == 136)
        #expect(rescued.value == 0, "the pool stayed blocked until the lock was let go")
        #expect(entered.value == 0, "nobody entered while the exclusive lock was held")
        outside.release()
        for waiter in waiters { try await waiter.value }
        #expect(entered.value == waiterCount)
    }

    @Test func aCancelledWaiterStopsWaitingAndHoldsNothing() async throws {
        let root = try ArchiveFixture.temporaryDirectory("store-lock")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outside = try OutsideHolder(root, .exclusive)
        let entered = Tally()
        let waiter = Task { try await StoreLock.holding(root, .exclusive) { entered.add() } }
        try await Task.sleep(for: .milliseconds(200))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        outside.release()
        #expect(entered.value == 0)
        #expect(Self.isFree(root), "the cancelled waiter's descriptor is closed")
    }

    @Test func aLockFileThatCannotBeCreatedIsAnErrorNamingIt() async throws {
        let root = "/nonexistent-\(UUID().uuidString)"
        let error = await #expect(throws: ArchiveError.self) { try await StoreLock.holding(root, .shared) {} }
        guard case .ioFailed(let path, let detail) = error else {
            Issue.record("expected ioFailed, got \(String(describing: error))")
            return
        }
        #expect(path == root + "/store.lock" && detail == String(cString: strerror(ENOENT)))
    }
}
