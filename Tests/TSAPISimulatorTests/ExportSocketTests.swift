import Foundation
import HTTPTypes
import Testing

@testable import TSAPISimulator

/// The export WebSocket against the protocol reference §6, including every fault mode.
@Suite(.timeLimit(.minutes(5))) struct ExportSocketTests {
    let window = "timeBegin=2026-11-25T10:00:00%2B09:00&timeEnd=2026-11-25T10:01:00%2B09:00"

    @Test func fullStageSequenceWithMD5AndSubtitles() async throws {
        try await LiveSimulator.with { sim in
            let run = try await sim.export("ch=1,3&\(window)&md5=true&subtitleFormat=srt&mediaSize=1GB")
            #expect(
                run.stages == [
                    "ready", "begin", "channelBegin", "fileBegin", "fileEnd", "channelEnd",
                    "channelBegin", "fileBegin", "fileEnd", "channelEnd", "end"
                ])
            #expect(run.readyCode == 0 && run.endCode == 0)
            let task = try #require(run.first("ready")?["task"] as? [String: Any])
            #expect(task["mediaSize"] as? Int == 1_073_741_824 && task["subtitleFormat"] as? String == "srt")
            #expect(task["ch"] as? [Int] == [1, 3])
            #expect((task["timeRange"] as? [String])?.first == "2026-11-25T10:00:00.000+09:00")
            #expect(
                run.files.keys.sorted() == [
                    "CH01_20261125_100000.mp4", "CH01_20261125_100000.srt",
                    "CH03_20261125_100000.mp4", "CH03_20261125_100000.srt"
                ])
            #expect(run.md5Mismatches.isEmpty && run.downloadStatuses.allSatisfy { $0 == .ok })
            #expect(run.afterAcknowledge.allSatisfy { $0 == .notFound }, "next deletes the file")
            let srt = String(decoding: run.files["CH01_20261125_100000.srt"] ?? [], as: UTF8.self)
            #expect(srt.hasPrefix("1\n00:00:00,000 --> 00:00:01,000\n2026-11-25 10:00:00 +09:00\n"))
            let fileEnd = try #require(run.first("fileEnd"))
            let file = try #require((fileEnd["channel"] as? [String: Any])?["file"] as? [String: Any])
            #expect(file["ttl"] as? Int == 10_000 && file["fid"] as? Int == 0)
            #expect(run.first("end")?["overallProgress"] as? String == "100%")
        }
    }

    @Test func channelWithoutFootageIsSkippedAndEmptyWindowIsCodeMinus1() async throws {
        try await LiveSimulator.with { sim in
            // Channel 3 is offline one hour a day; find a window inside that hour from the bitmap.
            let minutes = try await sim.get("/api/v1/recording/minutes?ch=3&timeBegin=2026-11-24T00:00:00&timeEnd=2026-11-24T23:59:59")
                .object
            let bitmap = Array(try #require((minutes["data"] as? [[String: Any]])?.first?["minutes"] as? String))
            let gap = try #require(bitmap.indices.first { i in i + 10 < bitmap.count && bitmap[i..<(i + 10)].allSatisfy { $0 == "0" } })
            let begin = String(format: "2026-11-24T%02d:%02d:00%%2B09:00", (gap + 2) / 60, (gap + 2) % 60)
            let end = String(format: "2026-11-24T%02d:%02d:00%%2B09:00", (gap + 4) / 60, (gap + 4) % 60)
            let skip = try await sim.export("ch=1,3&timeBegin=\(begin)&timeEnd=\(end)")
            #expect(skip.stages.contains("channelSkip") && skip.endCode == 0)
            let none = try await sim.export("ch=3&timeBegin=\(begin)&timeEnd=\(end)")
            #expect(none.stages == ["ready"] && none.readyCode == -1)
            let wrapped = try await sim.export("ch=1&timeBegin=2026-11-20T00:00:00&timeEnd=2026-11-20T01:00:00")
            #expect(wrapped.readyCode == -1, "days beyond retention are gone")
        }
    }

    @Test func invalidParametersAreMinus2() async throws {
        try await LiveSimulator.with { sim in
            let queries = [
                "ch=1&timeBegin=2026-11-25T10:00:00", "ch=99&\(window)",
                "ch=1&\(window)&subtitleFormat=doc", "ch=1&\(window)&mediaSize=lots"
            ]
            for query in queries {
                let run = try await sim.export(query)
                #expect(run.stages == ["ready"] && run.readyCode == -2, "\(query)")
            }
        }
    }

    @Test func mediaSizeSplitsAChannelIntoSeveralFiles() async throws {
        try await LiveSimulator.with { sim in
            let run = try await sim.export("ch=1&\(window)&md5=true&mediaSize=200KB")
            let files = run.stages.filter { $0 == "fileEnd" }.count
            #expect(files >= 3)
            #expect(run.files.values.allSatisfy { $0.count <= 200 * 1024 + 4096 })
            let fids = run.parsed.filter { $0["stage"] as? String == "fileEnd" }.compactMap {
                (($0["channel"] as? [String: Any])?["file"] as? [String: Any])?["fid"] as? Int
            }
            #expect(fids == Array(0..<files))
            #expect(run.md5Mismatches.isEmpty && run.endCode == 0)
        }
    }

    @Test func silenceBringsTimeoutAlertThenMinus1004() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportTTLMilliseconds = 600 }) { sim in
            let run = try await sim.export("ch=1&\(window)", behavior: .silent)
            #expect(Array(run.stages.suffix(3)) == ["fileEnd", "timeoutAlert", "end"])
            #expect(run.endCode == -1004)
            let alert = try #require(run.first("timeoutAlert"))
            #expect((alert["ttl"] as? Int).map { $0 > 0 && $0 <= 300 } == true)
        }
    }

    @Test func legacyTimeoutAlertKeyIsRequest() async throws {
        try await LiveSimulator.with(
            LiveSimulator.testConfiguration {
                $0.exportTTLMilliseconds = 400
                $0.timeoutAlertKey = "request"
            }
        ) { sim in
            let run = try await sim.export("ch=1&\(window)", behavior: .silent)
            #expect(run.parsed.contains { $0["request"] as? String == "timeoutAlert" && $0["stage"] == nil })
        }
    }

    @Test func waitResetsTheTTL() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportTTLMilliseconds = 500 }) { sim in
            // Waits 200 ms apart (before the alert, due 250 ms into each ttl) hold the file 1.2 s, over two ttls.
            let run = try await sim.export("ch=1&\(window)&md5=true", behavior: .waitThenNext(times: 6, intervalMs: 200))
            #expect(run.endCode == 0 && !run.stages.contains("timeoutAlert"))
            #expect(run.md5Mismatches.isEmpty && run.files.count == 1)
        }
    }

    @Test func cancelEndsWithMinus1003AndDeletesFiles() async throws {
        try await LiveSimulator.with { sim in
            let run = try await sim.export("ch=1,2&\(window)", behavior: .cancelOnFirstFile)
            #expect(run.endCode == -1003)
            #expect(Array(run.stages.suffix(2)) == ["fileEnd", "end"])
            let entry = try #require(
                (((run.first("fileEnd")?["channel"] as? [String: Any])?["file"] as? [String: Any])?["download"] as? [[String: Any]])?.first)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await sim.http(.get, sim.path(of: entry)).status == .notFound)
        }
    }

    @Test func disconnectStopsTheTaskAndDeletesItsFiles() async throws {
        try await LiveSimulator.with { sim in
            let run = try await sim.export("ch=1,2&\(window)", behavior: .disconnectOnFirstFile)
            let entry = try #require(
                (((run.first("fileEnd")?["channel"] as? [String: Any])?["file"] as? [String: Any])?["download"] as? [[String: Any]])?.first)
            var status = HTTPResponse.Status.ok
            for _ in 0..<40 where status != .notFound {
                try await Task.sleep(for: .milliseconds(50))
                status = try await sim.http(.get, sim.path(of: entry)).status
            }
            #expect(status == .notFound)
        }
    }

    @Test func fileWritingAtStatusInterval() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.fileWriteMilliseconds = 450 }) { sim in
            let run = try await sim.export("ch=1&\(window)&statusInterval=100ms")
            let writing = run.stages.filter { $0 == "fileWriting" }.count
            #expect(writing >= 2 && writing <= 6)
            #expect(run.endCode == 0)
        }
    }

    @Test func downloadsSupportRangeAndNeedCredentials() async throws {
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportTTLMilliseconds = 3000 }) { sim in
            async let held = sim.export("ch=1&\(window)&md5=true", behavior: .silent)
            var entry: [String: Any]?
            for _ in 0..<100 where entry == nil {
                try await Task.sleep(for: .milliseconds(20))
                entry = try? await firstDownloadEntry(sim)
            }
            let found = try #require(entry)
            let path = sim.path(of: found)
            let whole = try await sim.http(.get, path)
            var headers = HTTPFields()
            headers[.range] = "bytes=100-199"
            let part = try await sim.http(.get, path, headers: headers)
            #expect(part.status == .partialContent && part.body == Array(whole.body[100...199]))
            #expect(part.headers[.contentRange] == "bytes 100-199/\(whole.body.count)")
            headers[.range] = "bytes=-50"
            #expect(try await sim.http(.get, path, headers: headers).body == Array(whole.body.suffix(50)))
            headers[.range] = "bytes=\(whole.body.count + 10)-"
            #expect(try await sim.http(.get, path, headers: headers).status == .rangeNotSatisfiable)
            let unauthenticated = path.components(separatedBy: "?")[0]
            #expect(try await sim.http(.get, unauthenticated).status == .unauthorized)
            _ = try await held
        }
    }

    /// Reads the first advertised download of the task currently held open, via status.
    private func firstDownloadEntry(_ sim: LiveSimulator) async throws -> [String: Any]? {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: sim.config.dataDirectory + "/exports")
        guard let task = tasks.first else { return nil }
        let file = "CH01_20261125_100000.mp4"
        let probe = try await sim.http(.head, "/download/\(task)/\(file)?apikey=\(sim.apiKey)")
        return probe.status == .ok ? ["src": "http://127.0.0.1:\(sim.port)/download/\(task)/\(file)", "fileName": file] : nil
    }
}

/// A refused upgrade of the export socket answers as a recorder does: the HTTP status that
/// says why, with the JSON error body, then the connection closes.
@Suite(.timeLimit(.minutes(5))) struct ExportUpgradeRefusalTests {
    static func upgrade(port: Int, query: String) -> String {
        "GET /wsapi/v1/export?\(query) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    @Test func badCredentialsMissingPermissionAndNoLicenseAre401And403And404() async throws {
        let window = "ch=1&timeBegin=2026-11-25T10:00:00&timeEnd=2026-11-25T10:01:00"
        try await LiveSimulator.with { sim in
            let bad = try await RawSocket.exchange(port: sim.port, Self.upgrade(port: sim.port, query: window + "&apikey=tsapi_key_nope"))
            #expect(bad.hasPrefix("HTTP/1.1 401 "), "\(bad)")
            #expect(bad.contains(#""code":-1"#) && bad.contains("Unauthorized"), "\(bad)")

            let login = try await sim.http(.post, "/api/v1/auth/login", json: #"{"auth":"YWRtaW46MTIzNA=="}"#)
            let admin = sim.bearer(try #require(login.object["accessToken"] as? String))
            let viewer = try await sim.http(.post, "/api/v1/auth/apikey", headers: admin, json: #"{"name":"viewer"}"#)
            let key = try #require(viewer.object["key"] as? String)
            let denied = try await RawSocket.exchange(port: sim.port, Self.upgrade(port: sim.port, query: window + "&apikey=\(key)"))
            #expect(denied.hasPrefix("HTTP/1.1 403 ") && denied.contains("dataExport"), "\(denied)")
        }
        try await LiveSimulator.with(LiveSimulator.testConfiguration { $0.exportLicensed = false }) { sim in
            let unlicensed = try await RawSocket.exchange(
                port: sim.port, Self.upgrade(port: sim.port, query: window + "&apikey=\(sim.apiKey)"))
            #expect(unlicensed.hasPrefix("HTTP/1.1 404 "), "\(unlicensed)")
        }
    }
}
