import Foundation
import Synchronization
import Testing

@testable import TSAPISimulator

/// Stopping an embedded simulator must not wait for its clients to hang up.
@Suite(.timeLimit(.minutes(5))) struct ShutdownTests {
    /// A client connection that never sends a request (a pooled connection opened for a
    /// request that was cancelled) used to hold the server's shutdown until the client's
    /// idle timeout closed it: 600 s with AsyncHTTPClient's shared client.
    @Test func stopsWhileAConnectionIsOpenButSilent() async throws {
        let silent = SilentSocket()
        let stopped = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await LiveSimulator.with { sim in
                    silent.fd.withLock { $0 = (try? Self.connect(port: sim.port)) ?? -1 }
                    // Another connection that has finished one request and sits idle.
                    let info = try await sim.http(.get, "/api/v1/info")
                    #expect(info.status == .ok)
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            let first = try await group.next() ?? false
            // On failure, hanging up lets the stuck server (and this test) finish.
            silent.fd.withLock {
                if $0 >= 0 { close($0) }
                $0 = -1
            }
            group.cancelAll()
            return first
        }
        #expect(stopped, "the simulator did not stop within 60 s while a silent connection was open")
    }

    static func connect(port: Int) throws -> Int32 { try RawSocket.connect(port: port) }
}

/// Plain TCP to the simulator, for what an HTTP client library would not send or show.
enum RawSocket {
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    /// Sends `request` and reads until the server closes (10 s at most), off the
    /// cooperative pool since the reads block.
    static func exchange(port: Int, _ request: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let fd = try connect(port: port)
                        defer { close(fd) }
                        var timeout = timeval(tv_sec: 10, tv_usec: 0)
                        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                        _ = request.withCString { send(fd, $0, strlen($0), 0) }
                        var answer = [UInt8]()
                        var buffer = [UInt8](repeating: 0, count: 4096)
                        while true {
                            let n = recv(fd, &buffer, buffer.count, 0)
                            if n <= 0 { break }
                            answer += buffer[0..<n]
                        }
                        return String(decoding: answer, as: UTF8.self)
                    })
            }
        }
    }
}

/// The test's raw socket, shared by the simulator's body and the timeout.
final class SilentSocket: Sendable {
    let fd = Mutex<Int32>(-1)
}
