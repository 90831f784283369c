import Archive
import Foundation
import Testing

@testable import Nightly

/// What tsvault reads out of the recorder's words where the guide lists no codes: event log
/// entries that change a camera's connection or recording, system events about storage.
@Suite struct RecorderWordsTests {
    static let statusCases: [(String, StatusChange?)] = [
        ("Disconnected", .disconnected), ("Camera disconnected", .disconnected), ("Video loss", .disconnected),
        ("Connected", .connected), ("Camera reconnected", .connected), ("Recording stopped", .recordingStopped),
        ("Recording failure", .recordingStopped), ("Recording off", .recordingStopped), ("Recording started", .recordingStarted),
        ("Recording resumed", .recordingStarted), ("Motion detected", nil), ("Sign in", nil), ("Recording", nil),
        ("Motion recording", nil), ("", nil)
    ]

    @Test(arguments: statusCases) func anEventLogCodeNameIsAStatusChangeOrNot(_ name: String, _ expected: StatusChange?) {
        #expect(EventLogStatus.change(codeName: name) == expected)
    }

    static let storageCases: [(String, Bool?)] = [
        ("Storage error", true), ("Disk full", true), ("HDD failure", true), ("Insufficient disk space", true),
        ("Storage ready", false), ("Disk restored", false), ("Volume mounted", false), ("Self-check", nil), ("System start", nil),
        ("Storage", nil), ("Recording failure", nil)
    ]

    @Test(arguments: storageCases) func aSystemEventIsStorageTroubleItsEndOrNeither(_ name: String, _ expected: Bool?) {
        #expect(StorageWords.trouble(name: name) == expected)
    }

    @Test func aGapIsPrintedInTheRecordersTimeInWholeMinutes() throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let from = try #require(ISO8601DateFormatter().date(from: "2026-11-01T18:36:20Z"))  // 13:36:20 in New York
        #expect(
            GapText.describe(.cameraDisconnected, from: from, to: from.addingTimeInterval(80), zone: zone)
                == "camera disconnected 2026-11-01 13:36–13:37")
        #expect(
            GapText.describe(.recordingOff, from: from, to: from.addingTimeInterval(40), zone: zone)
                == "recording off 2026-11-01 13:36–13:36")
        #expect(
            GapText.describe(.cameraDisconnected, from: from, to: from.addingTimeInterval(12 * 3600), zone: zone)
                == "camera disconnected 2026-11-01 13:36–2026-11-02 01:36")
        #expect(
            GapText.describe(.cameraDisconnected, from: from, to: nil, zone: zone)
                == "camera disconnected since 2026-11-01 13:36, not over when last heard")
    }

    @Test func aReportPrintsTheLatestFiveGapsAndSaysHowManyItLeftOut() throws {
        let start = try #require(ISO8601DateFormatter().date(from: "2026-11-01T12:00:00Z"))
        func gap(_ hour: Int) -> RunReport.RecorderGap {
            let from = start.addingTimeInterval(Double(hour * 3600))
            let to: Int64? = hour == 6 ? nil : from.addingTimeInterval(120).unixMicros
            return RunReport.RecorderGap(StatusGap(reason: .cameraDisconnected, startMicros: from.unixMicros, endMicros: to))
        }
        let gaps = (0..<7).map(gap)
        let lines = RunReportText.gapLines(gaps, zone: TimeZone(identifier: "UTC"))
        #expect(
            lines == [
                "              no recording: 2 earlier span(s), see --json",
                "              no recording: camera disconnected 2026-11-01 14:00–14:01",
                "              no recording: camera disconnected 2026-11-01 15:00–15:01",
                "              no recording: camera disconnected 2026-11-01 16:00–16:01",
                "              no recording: camera disconnected 2026-11-01 17:00–17:01",
                "              no recording: camera disconnected since 2026-11-01 18:00, not over when last heard"
            ])
    }
}
