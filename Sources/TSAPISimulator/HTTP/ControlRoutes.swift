import Foundation
import Hummingbird

/// `/sim/v1/*`: the simulator's own control endpoint (not part of TS-API) for tests and
/// demos: arm and clear faults, expire tokens, move the recorder clock. Needs the
/// `settings` permission (the admin JWT or the printed key).
extension SimulatorState {
    func addControlRoutes(to router: Router<BasicRequestContext>) {
        let group = router.group("sim/v1")
        group.get("faults") { request, _ in
            _ = try await self.require(.settings, request)
            return jsonResponse(.array(await self.faults.armed().map(\.json)), indent: request.indent)
        }
        group.post("faults") { request, context in
            _ = try await self.require(.settings, request)
            let body = try await request.jsonBody(context: context)
            let rule: FaultRule?
            if let spec = body["spec"] as? String {
                rule = FaultRule(spec: spec)
            } else if let name = body["kind"] as? String, let kind = FaultKind(rawValue: name) {
                let times = (body["times"] as? NSNumberLike)?.intValue
                rule = FaultRule(kind: kind, param: (body["param"] as? NSNumberLike)?.intValue, times: times == 0 ? nil : (times ?? 1))
            } else {
                rule = nil
            }
            guard let rule else {
                throw APIError.badRequest(
                    "Give {\"kind\":…,\"param\":…,\"times\":…} or {\"spec\":\"kind:param xTIMES\"}; kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            await self.faults.arm(rule)
            return jsonResponse(rule.json, indent: request.indent)
        }
        group.delete("faults") { request, _ in
            _ = try await self.require(.settings, request)
            await self.faults.clear()
            return jsonResponse(.object([("code", .int(0)), ("message", .string("Cleared"))]))
        }
        group.post("tokens/expire") { request, _ in
            _ = try await self.require(.settings, request)
            await self.auth.expireAllAccessTokens()
            return jsonResponse(.object([("code", .int(0)), ("message", .string("All access tokens expired"))]))
        }
        group.post("clock") { request, context in
            _ = try await self.require(.settings, request)
            let body = try await request.jsonBody(context: context)
            if let raw = body["now"] as? String {
                guard let parsed = self.time.parse(raw) else { throw APIError.badRequest("Invalid 'now'") }
                self.clock.set(parsed.seconds)
            } else {
                self.clock.set(nil)
            }
            return jsonResponse(.object([("now", .string(self.time.formatLocalWithOffset(self.clock.now)))]))
        }
        group.post("system-event") { request, context in
            _ = try await self.require(.settings, request)
            let body = try await request.jsonBody(context: context)
            let codes = EventCatalog.types[0].codes ?? []
            guard let code = (body["code"] as? NSNumberLike)?.intValue, codes.contains(where: { $0.id == code }) else {
                throw APIError.badRequest(
                    "Give {\"code\":…}, a system log code: \(codes.map { "\($0.id) \($0.name)" }.joined(separator: ", "))")
            }
            let event = self.systemLog.report(code: code, at: self.clock.now)
            return jsonResponse(
                .object([
                    ("id", .int(event.id)), ("code", .int(code)), ("codeName", .string(EventCatalog.codeName(type: 0, code: code))),
                    ("at", .string(self.time.formatLocalWithOffset(event.begin)))
                ]), indent: request.indent)
        }
        group.get("status") { request, _ in
            _ = try await self.require(.settings, request)
            let available = self.schedule.available(now: self.clock.now)
            return jsonResponse(
                .object([
                    ("now", .string(self.time.formatLocalWithOffset(self.clock.now))),
                    (
                        "available",
                        .array([
                            .string(self.time.formatLocalWithOffset(available.start)),
                            .string(self.time.formatLocalWithOffset(available.end))
                        ])
                    ),
                    ("openTasks", .int(await self.tasks.openTaskCount))
                ]), indent: request.indent)
        }
    }

    /// With v1 only, v0 paths answer as a v1 server with the legacy API switched off; unknown
    /// paths 404 (a recorder before v3.0 has no /api/v1 at all).
    func addFallbackRoutes(to router: Router<BasicRequestContext>) {
        let legacyOff = !config.api.servesLegacy
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("api/**", method: method) { request, _ -> Response in
                throw request.uri.path.hasPrefix("/api/v1/") || !legacyOff ? APIError.notFound : APIError.legacyDisabled
            }
        }
        guard config.api.servesV1 else {
            // Reached only when the WebSocket upgrade was refused: say why, as HTTP.
            router.get("wsapi/dataExport") { request, _ -> Response in
                _ = try await self.requireLegacy(.dataExport, request)
                throw APIError.badRequest("WebSocket upgrade required")
            }
            return
        }
        if legacyOff {
            router.get("wsapi/dataExport") { _, _ -> Response in throw APIError.legacyDisabled }
            router.get("wsapi/subscribeEvents") { _, _ -> Response in throw APIError.legacyDisabled }
        }
        router.get("wsapi/v1/events") { request, _ -> Response in
            _ = try await self.require(.remote, request, placement: .socketOrMedia)
            throw APIError.badRequest("WebSocket upgrade required")
        }
        // Reached only when the WebSocket upgrade was refused: say why, as HTTP.
        router.get("wsapi/v1/export") { request, _ -> Response in
            guard self.config.exportLicensed else { throw APIError.notFound }
            _ = try await self.require(.dataExport, request, placement: .socketOrMedia)
            throw APIError.badRequest("WebSocket upgrade required")
        }
    }
}
