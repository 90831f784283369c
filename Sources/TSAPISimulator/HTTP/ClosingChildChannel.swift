import HummingbirdCore
import Logging
import NIOCore

/// Wraps the server's per-connection channel so that stopping the simulator (cancelling
/// the task that runs it) closes every connection at once.
///
/// Why: Hummingbird waits for each connection's handler before the server returns, and a
/// connection on the WebSocket-upgrade pipeline that has not sent a request yet waits on a
/// future that cancellation never completes. A client's pooled connection opened for a
/// request that was then cancelled is exactly that; AsyncHTTPClient keeps it idle for up to
/// its pool timeout (600 s for `HTTPClient.shared`), and the simulator's shutdown waited
/// that long.
struct ClosingChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        await withTaskCancellationHandler {
            await base.handle(value: value, logger: logger)
        } onCancel: {
            channel.close(mode: .all, promise: nil)
        }
    }
}
