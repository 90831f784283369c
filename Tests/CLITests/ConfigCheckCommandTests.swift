import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ConfigCheckCommandTests {
    @Test func aValidConfigurationExits0() async throws {
        try await CLI.workspace("config-valid") { work in
            let config = try ConfigFile.write(port: 8080, key: "k", directory: work)
            let result = try CLI.run("config", "check", "--config", config)
            #expect(result.status == 0 && result.output == "\(config): valid\n", "\(result)")
        }
    }

    @Test func everyProblemIsNamedByItsKeyAndExits64() async throws {
        try await CLI.workspace("config-invalid") { work in
            let config = try ConfigFile.write(
                port: 8080, key: "k", directory: work,
                extra: "segmentSeconds: 7\nrunWindow: { start: \"25:00\", end: \"06:00\" }")
            let result = try CLI.run("config", "check", "--config", config)
            #expect(result.status == 64, "\(result)")
            #expect(result.output.contains("segmentSeconds") && result.output.contains("runWindow.start"), "\(result)")
            let json = try CLI.run("config", "check", "--config", config, "--json")
            #expect(json.status == 64)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let problems = try #require(document["problems"] as? [[String: Any]])
            #expect(problems.compactMap { $0["path"] as? String }.sorted() == ["runWindow.start", "segmentSeconds"], "\(json)")
        }
    }

    @Test func aMissingFileExits64() throws {
        let result = try CLI.run("config", "check", "--config", "/nonexistent/tsvault.yaml")
        #expect(result.status == 64 && result.output.contains("cannot read the file"), "\(result)")
    }
}
