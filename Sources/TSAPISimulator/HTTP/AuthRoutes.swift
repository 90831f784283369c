import Foundation
import Hummingbird

/// /api/v1/auth: JWT login, refresh (with rotation), logout, and API-key management.
extension SimulatorState {
    func addAuthRoutes(to router: Router<BasicRequestContext>) {
        let group = router.group("api/v1/auth")
        group.post("login") { request, context in
            let body = try await request.jsonBody(context: context)
            guard let auth = body["auth"] as? String else { throw APIError.badRequest("Missing 'auth' (base64 of user:password)") }
            do {
                let pair = try await self.auth.login(auth: auth)
                return jsonResponse(
                    .object([
                        ("accessToken", .string(pair.accessToken)), ("refreshToken", .string(pair.refreshToken)),
                        ("expiresIn", .int(pair.expiresIn)), ("tokenType", .string("Bearer")),
                        ("user", .object([("username", .string(pair.username)), ("role", .string(pair.role))]))
                    ]), indent: request.indent)
            } catch {
                throw APIError(.unauthorized, "Invalid username or password")
            }
        }
        group.post("refresh") { request, context in
            let body = try await request.jsonBody(context: context)
            guard let token = body["refreshToken"] as? String else { throw APIError.badRequest("Missing 'refreshToken'") }
            guard let pair = try? await self.auth.refresh(token) else {
                throw APIError(.unauthorized, "Invalid or expired refresh token")
            }
            var fields: [(String, JSONValue)] = [("accessToken", .string(pair.accessToken))]
            if !self.config.refreshWithoutNewToken { fields.append(("refreshToken", .string(pair.refreshToken))) }
            fields += [("expiresIn", .int(pair.expiresIn)), ("tokenType", .string("Bearer"))]
            return jsonResponse(.object(fields), indent: request.indent)
        }
        group.post("logout") { request, context in
            let body = (try? await request.jsonBody(context: context)) ?? [:]
            let revoked = await (body["refreshToken"] as? String).asyncMap { await self.auth.logout(refreshToken: $0) } ?? false
            return jsonResponse(
                .object([("code", .int(0)), ("message", .string(revoked ? "Logged out" : "No session"))]), indent: request.indent)
        }
        group.get { _, _ -> Response in
            throw APIError.badRequest("GET /api/v1/auth?login= is not supported in v1; use POST /api/v1/auth/login")
        }
        addAPIKeyRoutes(to: group)
    }

    private func addAPIKeyRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.post("apikey") { request, context in
            _ = try await self.require(.settings, request)
            let body = try await request.jsonBody(context: context)
            guard let name = body["name"] as? String, !name.isEmpty else { throw APIError.badRequest("Missing 'name'") }
            let names = (body["permissions"] as? [String]) ?? ["remote"]
            var permissions = Set<Permission>()
            for n in names {
                guard let p = Permission.parse(n) else { throw APIError.badRequest("Unknown permission '\(n)'") }
                permissions.insert(p)
            }
            let channels = (body["channels"] as? [Any])?.compactMap { ($0 as? NSNumberLike)?.intValue }
            let expires = (body["expiresAt"] as? NSNumberLike)?.int64Value
            let record = await self.auth.createKey(
                name: name, permissions: permissions, channels: channels,
                ipWhitelist: body["ipWhitelist"] as? [String], expiresAt: expires)
            return jsonResponse(
                .object([
                    ("id", .string(record.id)), ("key", .string(record.key)), ("name", .string(record.name)),
                    ("message", .string("Store this API key securely. It will not be shown again."))
                ]), indent: request.indent)
        }
        group.get("apikey") { request, _ in
            _ = try await self.require(.settings, request)
            let keys = await self.auth.listKeys()
            return jsonResponse(
                .array(
                    keys.map { k in
                        .object([
                            ("id", .string(k.id)), ("name", .string(k.name)),
                            ("permissions", .array(k.permissions.map(\.rawValue).sorted().map { .string($0) })),
                            ("channels", k.channels.map { .array($0.map { .int($0) }) } ?? .null),
                            ("expiresAt", k.expiresAt.map { .int($0) } ?? .null),
                            ("createdAt", .int(k.createdAt))
                        ])
                    }), indent: request.indent)
        }
        group.delete("apikey/:id") { request, context in
            _ = try await self.require(.settings, request)
            let id = try context.parameters.require("id")
            guard await self.auth.deleteKey(id: id) else { throw APIError(.notFound, "No API key '\(id)'") }
            return jsonResponse(.object([("code", .int(0)), ("message", .string("Deleted"))]), indent: request.indent)
        }
    }
}

/// JSON numbers arrive from JSONSerialization as NSNumber (or Int/Double on Linux).
protocol NSNumberLike {
    var intValue: Int { get }
    var int64Value: Int64 { get }
}
extension Int: NSNumberLike {
    var intValue: Int { self }
    var int64Value: Int64 { Int64(self) }
}
extension Double: NSNumberLike {
    var intValue: Int { Int(self) }
    var int64Value: Int64 { Int64(self) }
}
extension NSNumber: NSNumberLike {}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
