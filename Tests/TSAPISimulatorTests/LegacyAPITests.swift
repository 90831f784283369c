import Foundation
import HTTPTypes
import Testing

@testable import TSAPISimulator

/// The legacy TS-API (recorders before v3.0) as the simulator serves it with `--api legacy`
/// or `both`: each answer in the shape of the legacy guide, and the same recordings as v1.
@Suite(.timeLimit(.minutes(5))) struct LegacyAPITests {
    /// `admin:1234`, base64, as `?auth=` carries it (the guide's example percent-encodes the `=`).
    static let auth = "YWRtaW46MTIzNA%3D%3D"

    static func legacy(_ mode: SimulatorConfiguration.APIMode = .both) -> SimulatorConfiguration {
        LiveSimulator.testConfiguration {
            $0.api = mode
            $0.siteName = "My home server"
        }
    }

    @Test func infoAnswersInTheLegacyShapeAndWhoAmINeedsThePassword() async throws {
        try await LiveSimulator.with(Self.legacy(.legacy)) { sim in
            let info = try await sim.http(.get, "/api/info?apiVersion&siteName&timezone")
            #expect(info.status == .ok && info.object["apiVersion"] as? String == "TS-API@0.9.20")
            #expect(info.object["siteName"] as? String == "My%20home%20server", "URL-encoded inside the JSON, as the guide says")
            #expect((info.object["timezone"] as? [String: Any])?["name"] as? String == "Asia/Seoul")
            let anonymous = try await sim.http(.get, "/api/info?all")
            #expect(anonymous.status == .unauthorized && anonymous.object["product"] != nil && anonymous.object["whoAmI"] == nil)
            let me = try await sim.http(.get, "/api/info?whoAmI&auth=\(Self.auth)")
            let whoAmI = try #require(me.object["whoAmI"] as? [String: Any])
            #expect(whoAmI["uid"] as? String == "admin" && (whoAmI["accessRights2"] as? [String: Bool])?["DataExport"] == true)
            #expect((whoAmI["accessRights"] as? [String])?.contains("DataExport") == true)
            // A recorder before v3.0 has no v1 API at all.
            let v1 = try await sim.get("/api/v1/info").status
            #expect(v1 == .notFound)
        }
    }

    @Test func theCredentialIsThePasswordOrASessionOpenedWithIt() async throws {
        try await LiveSimulator.with(Self.legacy(.legacy)) { sim in
            let none = try await sim.http(.get, "/api/enum?what=channel").status
            #expect(none == .unauthorized)
            let wrong = try await sim.http(.get, "/api/enum?what=channel&auth=\("admin:nope".base64)").status
            #expect(wrong == .unauthorized)
            let byQuery = try await sim.http(.get, "/api/enum?what=channel&auth=\(Self.auth)")
            #expect(byQuery.status == .ok && byQuery.array.map { $0["chid"] as? Int } == [1, 2, 3, 4])
            #expect(byQuery.array.first?["displayName"] as? String == "CH1. Front Door")
            var basic = HTTPFields()
            basic[.authorization] = "Basic \(Data("admin:1234".utf8).base64EncodedString())"
            let byBasic = try await sim.http(.get, "/api/status", headers: basic)
            #expect(byBasic.status == .ok && byBasic.array.allSatisfy { ($0["status"] as? [String: Any])?["code"] as? Int == 200 })
            // A session: the cookie of /api/auth?login= is the credential until ?logout.
            let login = try await sim.http(.get, "/api/auth?login=\(Self.auth)")
            let cookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            #expect(login.status == .ok && cookie.hasPrefix("tsapi-session="))
            var session = HTTPFields()
            session[.cookie] = cookie
            let inSession = try await sim.http(.get, "/api/status?ch=2&recordingStatus", headers: session)
            #expect(inSession.status == .ok && inSession.array.count == 1)
            #expect((inSession.array.first?["recordingStatus"] as? [String: Any])?["streaming"] as? Bool == true)
            _ = try await sim.http(.get, "/api/auth?logout", headers: session)
            let after = try await sim.http(.get, "/api/status", headers: session).status
            #expect(after == .unauthorized)
            let badLogin = try await sim.http(.get, "/api/auth?login=\("admin:x".base64)").status
            #expect(badLogin == .unauthorized)
        }
    }

    @Test func recordedDaysAreTheV1DaysInTheLegacyShapes() async throws {
        try await LiveSimulator.with(Self.legacy()) { sim in
            let v1 = try await sim.get("/api/v1/recording/days?ch=1,2")
            let nested = try await sim.http(.get, "/api/find?what=recDays&ch=1,2&auth=\(Self.auth)")
            #expect(nested.status == .ok)
            let perChannel = try #require(nested.object["data"] as? [[String: Any]])
            #expect(perChannel.map { $0["chid"] as? Int } == [1, 2])
            #expect(Self.days(perChannel) == Self.days(try #require(v1.object["data"] as? [[String: Any]])))
            #expect(!Self.days(perChannel).isEmpty)
            // Without ch/timeBegin/timeEnd: one flat list of months for all channels.
            let flat = try await sim.http(.get, "/api/find?what=recDays&auth=\(Self.auth)")
            let months = try #require(flat.object["data"] as? [[String: Any]])
            #expect(months.allSatisfy { $0["year"] is Int && $0["days"] is [Int] && $0["chid"] == nil })
        }
    }

    @Test func recordedMinutesAreListedPerHourAndEqualTheV1Bitmap() async throws {
        try await LiveSimulator.with(Self.legacy()) { sim in
            // Channel 2 records motion clips: minutes come and go within each hour.
            let day = "timeBegin=2026-11-24T00%3A00%3A00%2B09%3A00&timeEnd=2026-11-25T00%3A00%3A00%2B09%3A00"
            let v1 = try await sim.get("/api/v1/recording/minutes?ch=2&\(day)")
            let bitmap = try #require((v1.object["data"] as? [[String: Any]])?.first?["minutes"] as? String)
            let expected = bitmap.enumerated().filter { $0.element == "1" }.map { [$0.offset / 60, $0.offset % 60] }
            let legacy = try await sim.http(.get, "/api/find?what=recMinutes&ch=2&\(day)&auth=\(Self.auth)")
            #expect(legacy.status == .ok && legacy.object["timeBegin"] as? String == "2026-11-24T00:00:00.000+09:00")
            let hours = try #require((legacy.object["data"] as? [[String: Any]])?.first?["data"] as? [[String: Any]])
            #expect(hours.allSatisfy { $0["year"] as? Int == 2026 && $0["month"] as? Int == 11 && $0["day"] as? Int == 24 })
            let listed = hours.flatMap { h in (h["minutes"] as? [Int] ?? []).map { [h["hour"] as? Int ?? -1, $0] } }
            #expect(listed == expected && !expected.isEmpty && expected.count < 1440)
            let tooLong = "timeBegin=2026-11-20T00%3A00%3A00%2B09%3A00&timeEnd=2026-11-25T00%3A00%3A00%2B09%3A00"
            let refused = try await sim.http(.get, "/api/find?what=recMinutes&\(tooLong)&auth=\(Self.auth)").status
            #expect(refused == .badRequest, "the guide limits the window to 3 days")
        }
    }

    @Test func theEventLogIsV1sWithTimesCarryingMillisecondsAndOffset() async throws {
        try await LiveSimulator.with(Self.legacy()) { sim in
            let v1 = try await sim.get("/api/v1/event/log?maxCount=20")
            let legacy = try await sim.http(.get, "/api/find?what=eventLog&maxCount=20&auth=\(Self.auth)")
            let v1Entries = try #require(v1.object["data"] as? [[String: Any]])
            let entries = try #require(legacy.object["data"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? Int } == v1Entries.map { $0["id"] as? Int } && !entries.isEmpty)
            #expect(legacy.object["totalCount"] as? Int == v1.object["totalCount"] as? Int)
            let first = try #require((entries.first?["timeRange"] as? [String])?.first)
            let v1First = try #require((v1Entries.first?["timeRange"] as? [String])?.first)
            #expect(first == v1First + ".000+09:00")
        }
    }

    @Test func theDataExportSocketRunsEveryStageInTheLegacyForms() async throws {
        try await LiveSimulator.with(Self.legacy(.legacy)) { sim in
            // The guide's example times end in CR LF (percent-encoded), in the recorder's local time.
            let window = "timeBegin=2026-11-25T10%3A00%3A00%0D%0A&timeEnd=2026-11-25T10%3A02%3A00%0D%0A"
            let run = try await sim.export(
                "ch=1&\(window)&md5=true&subtitleFormat=VTT", socket: "/wsapi/dataExport", credential: "auth=\(Self.auth)")
            #expect(run.stages == ["ready", "begin", "channelBegin", "fileBegin", "fileEnd", "channelEnd", "end"])
            #expect(run.readyCode == 0 && run.endCode == 0 && run.unparseable.isEmpty)
            let task = try #require(run.first("ready")?["task"] as? [String: Any])
            #expect((task["timeRange"] as? [String]) == ["2026-11-25T10:00:00.000+09:00", "2026-11-25T10:02:00.000+09:00"])
            #expect(run.first("begin")?["timestamp"] as? String == "2026-11-25T12:00:00.000+09:00")
            #expect(run.files.keys.sorted() == ["CH1.2026-11-25T10.00.00.mp4", "CH1.2026-11-25T10.00.00.vtt"])
            #expect(run.md5Mismatches.isEmpty && run.downloadStatuses.allSatisfy { $0 == .ok }, "downloads take ?auth=")
            #expect(run.afterAcknowledge.allSatisfy { $0 == .notFound }, "next deletes the files")
            // No password, no socket: the upgrade is refused with 401.
            let refused = try await sim.http(.get, "/wsapi/dataExport?ch=1&\(window)").status
            #expect(refused == .unauthorized)
        }
    }

    @Test func aSilentClientGetsTheLegacyTimeoutAlertThenTheTaskEnds() async throws {
        var config = Self.legacy(.legacy)
        config.exportTTLMilliseconds = 1500
        try await LiveSimulator.with(config) { sim in
            let window = "timeBegin=2026-11-25T10%3A00%3A00%0D%0A&timeEnd=2026-11-25T10%3A01%3A00%0D%0A"
            let run = try await sim.export(
                "ch=1&\(window)&md5=true", behavior: .silent, socket: "/wsapi/dataExport", credential: "auth=\(Self.auth)")
            let alert = try #require(run.parsed.first { $0["request"] as? String == "timeoutAlert" }, "keyed `request` as the guide shows")
            #expect(alert["stage"] == nil && (alert["ttl"] as? Int ?? 0) > 0)
            #expect(run.endCode == -1004)
        }
    }

    @Test func waitKeepsTheLegacyTaskAliveBeyondItsTTL() async throws {
        var config = Self.legacy(.legacy)
        config.exportTTLMilliseconds = 1000
        try await LiveSimulator.with(config) { sim in
            let window = "timeBegin=2026-11-25T10%3A00%3A00%0D%0A&timeEnd=2026-11-25T10%3A01%3A00%0D%0A"
            // Four waits 600 ms apart hold the file 2.4 s, past two ttls, before it is downloaded.
            let run = try await sim.export(
                "ch=1&\(window)&md5=true", behavior: .waitThenNext(times: 4, intervalMs: 600), socket: "/wsapi/dataExport",
                credential: "auth=\(Self.auth)")
            #expect(run.endCode == 0 && run.md5Mismatches.isEmpty && run.downloadStatuses == [.ok], "\(run.stages)")
        }
    }

    @Test func aV1RecorderSaysItsLegacyAPIIsOff() async throws {
        try await LiveSimulator.with(Self.legacy(.v1)) { sim in
            let find = try await sim.http(.get, "/api/find?what=recDays&auth=\(Self.auth)")
            #expect(find.status == .notFound && find.text.contains("Legacy API (v0) is disabled"))
        }
    }

    static func days(_ perChannel: [[String: Any]]) -> [String] {
        perChannel.flatMap { channel in
            (channel["data"] as? [[String: Any]] ?? []).flatMap { month in
                (month["days"] as? [Int] ?? []).map { "\(channel["chid"] ?? "")-\(month["year"] ?? "")-\(month["month"] ?? "")-\($0)" }
            }
        }
    }
}

extension String {
    fileprivate var base64: String {
        Data(utf8).base64EncodedString().replacingOccurrences(of: "=", with: "%3D").replacingOccurrences(of: "+", with: "%2B")
    }
}
