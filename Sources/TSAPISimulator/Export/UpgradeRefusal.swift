import NIOCore
import Synchronization

/// Answers a refused `/wsapi/v1/export` upgrade with the status and JSON body a recorder
/// gives (401 bad or expired credentials, 403 no `dataExport`, 404 export not licensed).
///
/// Why a byte-level handler: hummingbird-websocket cannot pass a refused upgrade request on
/// to the router (the request's end was consumed by the upgrader) and writes a bare `400`
/// with `Connection: close` itself. Placed first in the pipeline when the upgrade is refused,
/// this replaces that one response with ours and drops anything else written after it; the
/// connection closes as it would have.
final class UpgradeRefusal: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer
    private let replaced = Mutex(false)

    init(_ error: APIError) {
        let body = error.body.render()
        let head =
            "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
            + "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\nServer: TS-NVR\r\n\r\n"
        response = ByteBuffer(string: head + body)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let first = replaced.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            context.write(wrapOutboundOut(response), promise: promise)
        } else {
            promise?.succeed(())
        }
    }
}
