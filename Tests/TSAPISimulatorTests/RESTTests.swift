import Foundation
import HTTPTypes
import Testing

@testable import TSAPISimulator

@Suite(.timeLimit(.minutes(5))) struct RESTTests {
    @Test func infoReportsZoneAndNeedsNoAuth() async throws {
        try await LiveSimulator.with { sim in
            let info = try await sim.http(.get, "/api/v1/info?apiVersion&timezone")
            #expect(info.status == .ok)
            #expect(info.object["apiVersion"] as? String == "TS-API@1.0.1")
            #expect((info.object["timezone"] as? [String: Any])?["bias"] as? String == "+09:00")
            #expect(info.object["product"] == nil)
            // `all` without a JWT: 401, but the body still carries everything except whoAmI.
            let all = try await sim.http(.get, "/api/v1/info?all")
            #expect(all.status == .unauthorized)
            #expect(all.object["product"] != nil && all.object["whoAmI"] == nil)
            // An API key is authenticated but is no signed-in user: everything but whoAmI, 200.
            let keyed = try await sim.get("/api/v1/info?all")
            #expect(keyed.status == .ok && keyed.object["license"] != nil && keyed.object["whoAmI"] == nil, "\(keyed.text)")
        }
    }

    @Test func oneChannelsInfoWithCapsAndUnknownChannels() async throws {
        try await LiveSimulator.with { sim in
            let one = try await sim.get("/api/v1/channel/3/info?caps")
            #expect(one.status == .ok && one.array.count == 1 && one.array.first?["chid"] as? Int == 3, "\(one.text)")
            #expect((one.array.first?["caps"] as? [String: Any])?["pantilt"] as? Bool == false)
            let all = try await sim.get("/api/v1/channel/info")
            #expect(all.array.compactMap { $0["chid"] as? Int } == [1, 2, 3, 4] && all.array.allSatisfy { $0["caps"] == nil })
            let unknown = try await sim.get("/api/v1/channel/99/info?caps").status
            #expect(unknown == .notFound)
        }
    }

    /// One client library adds a default X-API-Key and the example adds it again: two fields
    /// (or one joined by ", ") still name a key; a wrong one beside the right one does not hide it.
    @Test func anAPIKeySentTwiceIsStillAccepted() async throws {
        try await LiveSimulator.with { sim in
            let name = HTTPField.Name("X-API-Key")!
            var twice = HTTPFields()
            twice.append(HTTPField(name: name, value: sim.apiKey))
            twice.append(HTTPField(name: name, value: sim.apiKey))
            let accepted = try await sim.http(.get, "/api/v1/channel", headers: twice).status
            #expect(accepted == .ok)
            var joined = HTTPFields()
            joined.append(HTTPField(name: name, value: "tsapi_key_wrong, \(sim.apiKey)"))
            let joinedStatus = try await sim.http(.get, "/api/v1/channel", headers: joined).status
            #expect(joinedStatus == .ok)
            var wrong = HTTPFields()
            wrong.append(HTTPField(name: name, value: "tsapi_key_wrong"))
            wrong.append(HTTPField(name: name, value: "tsapi_key_other"))
            let refused = try await sim.http(.get, "/api/v1/channel", headers: wrong).status
            #expect(refused == .unauthorized)
        }
    }

    @Test func loginRefreshRotationAndLogout() async throws {
        try await LiveSimulator.with { sim in
            let bad = try await sim.http(
                .post, "/api/v1/auth/login", json: #"{"auth":"\#(Data("admin:wrong".utf8).base64EncodedString())"}"#)
            #expect(bad.status == .unauthorized && bad.object["code"] as? Int == -1 && bad.object["message"] is String)
            let login = try await sim.http(.post, "/api/v1/auth/login", json: #"{"auth":"YWRtaW46MTIzNA=="}"#)
            #expect(login.status == .ok && login.object["tokenType"] as? String == "Bearer" && login.object["expiresIn"] as? Int == 3600)
            let access = try #require(login.object["accessToken"] as? String)
            let refresh = try #require(login.object["refreshToken"] as? String)
            #expect(try await sim.http(.get, "/api/v1/channel", headers: sim.bearer(access)).status == .ok)
            #expect(try await sim.http(.get, "/api/v1/info?whoAmI", headers: sim.bearer(access)).object["whoAmI"] != nil)

            let rotated = try await sim.http(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(refresh)"}"#)
            let newRefresh = try #require(rotated.object["refreshToken"] as? String)
            #expect(newRefresh != refresh)
            let replay = try await sim.http(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(refresh)"}"#)
            #expect(replay.status == .unauthorized, "the old refresh token is revoked by rotation")

            #expect(try await sim.http(.post, "/api/v1/auth/logout", json: #"{"refreshToken":"\#(newRefresh)"}"#).status == .ok)
            #expect(try await sim.http(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(newRefresh)"}"#).status == .unauthorized)
        }
    }

    @Test func expiredTokensAnswer401AndRefreshRecovers() async throws {
        try await LiveSimulator.with { sim in
            let login = try await sim.http(.post, "/api/v1/auth/login", json: #"{"auth":"YWRtaW46MTIzNA=="}"#)
            let access = try #require(login.object["accessToken"] as? String)
            let refresh = try #require(login.object["refreshToken"] as? String)
            try await sim.control("tokens/expire", json: "{}")
            let expired = try await sim.http(.get, "/api/v1/channel", headers: sim.bearer(access))
            #expect(expired.status == .unauthorized && (expired.object["message"] as? String ?? "").contains("expired"))
            let renewed = try await sim.http(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(refresh)"}"#)
            let fresh = try #require(renewed.object["accessToken"] as? String)
            #expect(try await sim.http(.get, "/api/v1/channel", headers: sim.bearer(fresh)).status == .ok)
        }
    }

    @Test func apiKeyPermissionsGive403AndChannelLimits() async throws {
        try await LiveSimulator.with { sim in
            let login = try await sim.http(.post, "/api/v1/auth/login", json: #"{"auth":"YWRtaW46MTIzNA=="}"#)
            let admin = sim.bearer(try #require(login.object["accessToken"] as? String))
            let created = try await sim.http(.post, "/api/v1/auth/apikey", headers: admin, json: #"{"name":"viewer","channels":[1]}"#)
            #expect(created.object["message"] as? String == "Store this API key securely. It will not be shown again.")
            let key = try #require(created.object["key"] as? String)
            #expect(key.hasPrefix("tsapi_key_"))
            // Default permission is remote: channels yes, recordings no (403), unknown key 401.
            #expect(try await sim.get("/api/v1/channel", key: key).array.map { $0["chid"] as? Int } == [1])
            let denied = try await sim.get("/api/v1/recording/days", key: key)
            #expect(denied.status == .forbidden && denied.object["code"] as? Int == -1)
            #expect(try await sim.get("/api/v1/channel?ch=2", key: key).status == .forbidden)
            #expect(try await sim.get("/api/v1/channel", key: "tsapi_key_nope").status == .unauthorized)
            #expect(try await sim.http(.get, "/api/v1/channel").status == .unauthorized)
            // Query form of the key works on REST too.
            #expect(try await sim.http(.get, "/api/v1/channel?apikey=\(sim.apiKey)").status == .ok)
            let list = try await sim.http(.get, "/api/v1/auth/apikey", headers: admin)
            let id = try #require(list.array.first { $0["name"] as? String == "viewer" }?["id"] as? String)
            #expect(try await sim.http(.delete, "/api/v1/auth/apikey/\(id)", headers: admin).status == .ok)
            #expect(try await sim.get("/api/v1/channel", key: key).status == .unauthorized)
        }
    }

    @Test func channelsStatusAndLegacyPaths() async throws {
        try await LiveSimulator.with { sim in
            let channels = try await sim.get("/api/v1/channel").array
            #expect(channels.count == 4)
            #expect(channels[2]["title"] as? String == "" && channels[2]["displayName"] as? String == "CH3")
            #expect(channels[0]["displayName"] as? String == "CH1. Front Door")
            let status = try await sim.get("/api/v1/channel/status?ch=1,3").array
            #expect(status.map { $0["chid"] as? Int } == [1, 3])
            #expect(status.allSatisfy { $0["recording"] is Bool && ($0["status"] as? [String: Any])?["code"] is Int })
            let legacy = try await sim.http(.get, "/api/find?what=recMinutes")
            #expect(
                legacy.status == .notFound
                    && legacy.object["message"] as? String == "Legacy API (v0) is disabled. Please use /api/v1/ endpoints.")
            let pretty = try await sim.get("/api/v1/channel?indent=4")
            #expect(pretty.text.contains("\n        \"chid\": 1"))
        }
    }

    @Test func recordingDaysShapesAndMinutes() async throws {
        try await LiveSimulator.with { sim in
            let nested = try await sim.get("/api/v1/recording/days?ch=1").object
            let perChannel = try #require((nested["data"] as? [[String: Any]])?.first)
            #expect(perChannel["chid"] as? Int == 1)
            let months = try #require(perChannel["data"] as? [[String: Any]])
            #expect(months.first?["days"] as? [Int] == [23, 24, 25], "three retention days, today partial")
            let flat = try await sim.get("/api/v1/recording/days").object
            #expect((flat["data"] as? [[String: Any]])?.first?["year"] as? Int == 2026)

            let minutes = try await sim.get("/api/v1/recording/minutes?ch=1,3&timeBegin=2026-11-25T00:00:00&timeEnd=2026-11-25T23:59:59")
                .object
            let data = try #require(minutes["data"] as? [[String: Any]])
            let ch1 = try #require(data.first { $0["chid"] as? Int == 1 }?["minutes"] as? String)
            #expect(ch1.count == 1440)
            #expect(ch1.prefix(720) == String(repeating: "1", count: 720), "continuous until now (12:00)")
            #expect(ch1.dropFirst(720) == Substring(String(repeating: "0", count: 720)), "nothing after now")
            let wrapped = try await sim.get("/api/v1/recording/minutes?ch=1&timeBegin=2026-11-22T00:00:00&timeEnd=2026-11-22T23:59:59")
                .object
            #expect(((wrapped["data"] as? [[String: Any]])?.first?["minutes"] as? String)?.contains("1") == false)
            let missing = try await sim.get("/api/v1/recording/minutes?ch=1")
            #expect(missing.status == .badRequest && missing.object["code"] as? Int == -1)
        }
    }

    @Test func eventLogPagesConsistentlyWithSchedule() async throws {
        try await LiveSimulator.with { sim in
            let first = try await sim.get(
                "/api/v1/event/log?timeBegin=2026-11-24T00:00:00&timeEnd=2026-11-24T23:59:59&maxCount=10&sort=asc"
            ).object
            let total = try #require(first["totalCount"] as? Int)
            #expect(total > 10)
            var seen: [[String: Any]] = []
            var at = 0
            while at < total {
                let page = try await sim.get(
                    "/api/v1/event/log?timeBegin=2026-11-24T00:00:00&timeEnd=2026-11-24T23:59:59&maxCount=10&sort=asc&at=\(at)"
                ).object
                let data = try #require(page["data"] as? [[String: Any]])
                seen += data
                at += data.count
            }
            #expect(seen.count == total)
            #expect(seen.contains { $0["chid"] == nil && $0["type"] as? Int == 0 }, "system events carry no chid")
            let outage = seen.filter { $0["chid"] as? Int == 3 }
            #expect(outage.map { $0["code"] as? Int } == [101, 100], "channel 3 disconnects once and reconnects")
            let motion = seen.filter { $0["type"] as? Int == 2 }
            #expect(motion.allSatisfy { ($0["timeRange"] as? [String])?.count == 2 })
        }
    }

    @Test func injectedServerErrorsThenRecovery() async throws {
        try await LiveSimulator.with { sim in
            try await sim.arm("http500x2")
            #expect(try await sim.get("/api/v1/recording/days").status == .internalServerError)
            #expect(try await sim.get("/api/v1/event/log").status == .internalServerError)
            #expect(try await sim.get("/api/v1/recording/days").status == .ok)
        }
    }
}
