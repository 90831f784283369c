import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import WSCore

/// The `/wsapi/v1/export` upgrade (and the legacy `/wsapi/dataExport` on a recorder serving the
/// legacy API, with its `?auth=` credential): credentials and permission are checked before
/// upgrading; a refused upgrade is answered 401/403/404 with the JSON error body (`UpgradeRefusal`).
enum ExportSocket {
    static func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel, logger: Logger, state: SimulatorState
    ) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let path = head.path ?? "/"
        let dialect: ExportDialect
        switch path.split(separator: "?", maxSplits: 1).first {
        case "/wsapi/v1/export" where state.config.api.servesV1: dialect = .v1
        case "/wsapi/dataExport" where state.config.api.servesLegacy: dialect = .legacy
        default: return .dontUpgrade
        }
        guard state.config.exportLicensed else { return await refuse(APIError.notFound, channel: channel) }
        let query = QueryString(uriPath: path)
        let principal: Principal
        do {
            principal = try await credential(dialect, head: head, query: query, state: state)
        } catch {
            return await refuse(error, channel: channel)
        }
        let base = state.baseURL(headers: head.headerFields, authority: head.authority)
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(
                query: query, principal: principal, base: base, dialect: dialect, inbound: inbound, outbound: outbound,
                channel: channel, logger: logger, state: state)
        }
    }

    /// The v1 credentials, or the legacy API's password (`?auth=`, HTTP Basic, session).
    private static func credential(
        _ dialect: ExportDialect, head: HTTPRequest, query: QueryString, state: SimulatorState
    ) async throws(APIError) -> Principal {
        guard dialect == .legacy else {
            return try await state.authenticator.require(.dataExport, headers: head.headerFields, query: query, placement: .socketOrMedia)
        }
        guard let principal = await state.legacyPrincipal(headers: head.headerFields, query: query) else { throw APIError.unauthorized }
        guard principal.allows(.dataExport) else { throw APIError.forbidden(.dataExport) }
        return principal
    }

    private static func refuse(
        _ error: APIError, channel: any Channel
    ) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        try? await channel.pipeline.addHandler(UpgradeRefusal(error), position: .first).get()
        return .dontUpgrade
    }

    private static func serve(
        query: QueryString, principal: Principal, base: String, dialect: ExportDialect, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter, channel: any Channel, logger: Logger, state: SimulatorState
    ) async {
        let taskID = UUID().uuidString.lowercased()
        var refusal: (code: Int, message: String)?
        var request: ExportRequest?
        do {
            request = try ExportRequest.parse(query, state: state, principal: principal)
        } catch {
            refusal = (-2, error.message)
        }
        if refusal == nil, await state.faults.take(.diskFullReady) != nil { refusal = (-5, "Insufficient disk space") }
        let mailbox = CommandMailbox()
        let faults = await sessionFaults(state.faults)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await readCommands(inbound, into: mailbox, task: taskID, logger: logger) }
            if let request, refusal == nil {
                var session = ExportSession(
                    state: state, request: request, taskID: taskID, outbound: outbound, mailbox: mailbox,
                    channel: channel, logger: logger, faults: faults, downloadBase: base, dialect: dialect)
                await session.run()
            } else if let refusal {
                await refuse(code: refusal.code, message: refusal.message, outbound: outbound)
            }
            await clientLeaves(mailbox, withinMilliseconds: 2000)
            try? await outbound.close(.normalClosure, reason: nil)
            group.cancelAll()
        }
    }

    /// Waits for the client to close after the last message (a client leaves once it has `end`
    /// or a refusal), at most `limit` ms. Closing at once made the WebSocket client the tests and
    /// the product use lose the last frames now and then, when the close arrived while it was
    /// still switching from HTTP (docs/CLIENT.md); a server that lets the client close first
    /// never triggers that.
    private static func clientLeaves(_ mailbox: CommandMailbox, withinMilliseconds limit: Int) async {
        let until = ContinuousClock.now + .milliseconds(limit)
        while ContinuousClock.now < until, !mailbox.clientClosed {
            let left = Int((until - ContinuousClock.now) / .milliseconds(1))
            if await mailbox.receive(withinMilliseconds: max(1, left)) == .closed { return }
        }
    }

    private static func refuse(code: Int, message: String, outbound: WebSocketOutboundWriter) async {
        // A moment first, too: the client is then past its switch to WebSocket (see below).
        try? await Task.sleep(for: .milliseconds(100))
        let ready = JSONValue.object([
            ("stage", .string("ready")), ("status", .object([("code", .int(code)), ("message", .string(message))]))
        ])
        try? await outbound.write(.text(ready.render()))
    }

    private static func sessionFaults(_ faults: FaultInjector) async -> ExportSession.SessionFaults {
        ExportSession.SessionFaults(
            dropAfter: await faults.take(.dropWebSocket)?.param,
            stallAfter: await faults.take(.stallWebSocket)?.param,
            malformedAfter: await faults.take(.malformedMessage)?.param,
            errorAfter: await faults.take(.errorStage)?.param,
            hostileName: await faults.take(.hostileFileName)?.param,
            ttl: await faults.take(.tinyTTL)?.param,
            diskFullAfterFiles: await faults.take(.diskFullEnd)?.param)
    }

    /// Reads `{"task","cmd"}` commands until the socket closes. A command naming another
    /// task is ignored; one without a task is accepted, as example clients send it.
    private static func readCommands(_ inbound: WebSocketInboundStream, into mailbox: CommandMailbox, task: String, logger: Logger) async {
        do {
            for try await message in inbound.messages(maxSize: 1 << 16) {
                guard case .text(let text) = message,
                    let object = parseJSONObject(Array(text.utf8)), let cmd = object["cmd"] as? String
                else {
                    logger.debug("ignoring unreadable export command")
                    continue
                }
                if let named = object["task"].map({ "\($0)" }), named != task {
                    logger.debug("ignoring command for another task", metadata: ["task": "\(named)"])
                    continue
                }
                switch cmd {
                case "next": mailbox.push(.command(.next))
                case "wait": mailbox.push(.command(.wait))
                case "cancel": mailbox.push(.command(.cancel))
                default: mailbox.push(.command(.unknown(cmd)))
                }
            }
        } catch {
            logger.debug("export socket read ended", metadata: ["error": "\(error)"])
        }
        mailbox.push(.closed)
    }
}
