import Foundation
import Testing

@testable import TSAPI

/// The legacy guide's own sample messages (made valid JSON where the guide's are not: its
/// comments and trailing commas removed), read by the client's parsers.
@Suite struct LegacyGuideSampleTests {
    static let newYork = RecorderTimeZone(TimeZone(identifier: "America/New_York")!)

    /// `GET /api/find?what=recMinutes&timeBegin=2018-05-25T00%3A00%3A00-05%3A00&…` (guide sample).
    static let minutesSample = """
        {"timeBegin": "2018-05-25T00:00:00.000-05:00", "timeEnd": "2018-05-26T00:00:00.000-05:00",
         "data": [
          {"chid": 1, "data": [
            {"year": 2018, "month": 5, "day": 25, "hour": 10, "minutes": [44, 45, 46, 47, 48]},
            {"year": 2018, "month": 5, "day": 25, "hour": 18, "minutes": [1, 2, 3, 4, 16, 17, 18]}]},
          {"chid": 2, "data": [
            {"year": 2018, "month": 5, "day": 25, "hour": 17, "minutes": [29, 30, 31, 32, 33, 34, 35, 36]},
            {"year": 2018, "month": 5, "day": 25, "hour": 18, "minutes": [1, 2, 3, 4, 5, 6]}]}]}
        """

    func minutes(_ text: String, channel: Int, day: LocalDay) throws -> MinuteCoverage {
        let raw = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try TSAPIClient.legacyMinutes(
            raw, reader: JSONReader(server: "old", path: "/api/find"), channel: channel, day: day, zone: Self.newYork)
    }

    @Test func theGuidesMinuteListsBecomeEachChannelsBitmap() throws {
        let day = try #require(Self.newYork.localDay(year: 2018, month: 5, day: 25))
        let one = try minutes(Self.minutesSample, channel: 1, day: day)
        #expect(one.recorded.count == 1440)
        let onIndices = one.recorded.indices.filter { one.recorded[$0] }
        #expect(onIndices == [644, 645, 646, 647, 648, 1081, 1082, 1083, 1084, 1096, 1097, 1098])
        let two = try minutes(Self.minutesSample, channel: 2, day: day)
        #expect(two.recordedCount == 14 && two.recorded[17 * 60 + 29] && two.recorded[18 * 60 + 6] && !two.recorded[18 * 60 + 7])
        let absent = try minutes(Self.minutesSample, channel: 3, day: day)
        #expect(absent.recordedCount == 0, "a channel left out of the answer recorded nothing that day")
    }

    @Test func theHourADSTChangeRepeatsIsToldApartByOrder() throws {
        // 2026-11-01 in New York: 01:00–02:00 happens twice. Two entries for hour 1: the second
        // is the later hour; a minute listed twice in one entry is also the later one.
        let day = try #require(Self.newYork.localDay(year: 2026, month: 11, day: 1))
        let twoEntries = """
            {"data": [{"chid": 1, "data": [
              {"year": 2026, "month": 11, "day": 1, "hour": 1, "minutes": [0, 59]},
              {"year": 2026, "month": 11, "day": 1, "hour": 1, "minutes": [0]}]}]}
            """
        let coverage = try minutes(twoEntries, channel: 1, day: day)
        #expect(day.minuteCount == 1500 && coverage.recorded.indices.filter { coverage.recorded[$0] } == [60, 119, 120])
        let oneEntry = #"{"data": [{"chid": 1, "data": [{"year": 2026, "month": 11, "day": 1, "hour": 1, "minutes": [5, 5]}]}]}"#
        let merged = try minutes(oneEntry, channel: 1, day: day)
        #expect(merged.recorded.indices.filter { merged.recorded[$0] } == [65, 125])
        let broken = #"{"data": [{"chid": 1, "data": [{"year": 2026, "month": 11, "hour": 1, "minutes": [5]}]}]}"#
        #expect(throws: TSAPIError.self) { try minutes(broken, channel: 1, day: day) }
    }

    func parse(_ text: String) throws -> ExportEvent { try ExportEvent.parse(text, server: "old", after: "x") }

    @Test func theGuidesDataExportMessagesParse() throws {
        let ready = try parse(
            """
            {"stage": "ready", "status": {"code": 0, "message": "Success"},
             "task": {"id": "7963635e-1bff-40e1-bbf3-3f17525aef40", "ch": [1, 2, 3],
                      "timeRange": ["2018-07-27T09:00:00.000-05:00", "2018-07-27T09:30:00.000-05:00"],
                      "mediaSize": 524288000, "subtitleFormat": "VTT", "language": "en-US"}}
            """)
        #expect(
            ready
                == .ready(
                    code: 0, message: "Success",
                    task: ReadyTask(id: "7963635e-1bff-40e1-bbf3-3f17525aef40", channels: [1, 2, 3], mediaSize: 524_288_000)))
        let fileEnd = try parse(
            """
            {"stage": "fileEnd", "overallProgress": "51%", "timestamp": "2018-07-27T09:15:25.225-05:00",
             "channel": {"chid": 1, "progress": "51%", "file": {"fid": 1, "ttl": 10000, "download": [
               {"fileName": "CH1.2018-07-27T09.11.19.mp4",
                "src": "http://host/download/7963635e-1bff-40e1-bbf3-3f17525aef40/CH1.2018-07-27T09.11.19.mp4",
                "md5": "1125ee2c3d20f30b31166c821204603d"},
               {"fileName": "CH1.2018-07-27T09.11.19.vtt",
                "src": "http://host/download/7963635e-1bff-40e1-bbf3-3f17525aef40/CH1.2018-07-27T09.11.19.vtt",
                "md5": "9176eec58f3be777ae7bd188a1f14165"}]}}}
            """)
        guard case .fileEnd(let end) = fileEnd else {
            Issue.record("not a fileEnd: \(fileEnd)")
            return
        }
        #expect(end.channel == 1 && end.ttlMilliseconds == 10_000)
        #expect(end.downloads.map(\.fileName) == ["CH1.2018-07-27T09.11.19.mp4", "CH1.2018-07-27T09.11.19.vtt"])
        #expect(end.downloads.first?.md5 == "1125ee2c3d20f30b31166c821204603d")
        #expect(try parse(#"{"request": "timeoutAlert", "ttl": 2000}"#) == .timeoutAlert(ttlMilliseconds: 2000))
        let finished = try parse(
            """
            {"stage": "end", "overallProgress": "100%", "timestamp": "2018-07-27T09:30:00.000-05:00",
             "status": {"code": 0, "message": "Success"}}
            """)
        #expect(finished == .end(code: 0, message: "Success"))
    }

    @Test func theGuidesEventLogTimesCarryMillisecondsAndOffset() throws {
        let instant = try #require(Self.newYork.parse("2018-02-19T18:24:26.002-05:00"))
        #expect(abs(instant.timeIntervalSince1970 - 1_519_082_666.002) < 0.0005)
    }
}
