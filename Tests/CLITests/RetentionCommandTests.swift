import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct RetentionCommandTests {
    /// A configuration whose archive is the synthetic one in `work`.
    static func config(_ work: String, _ retention: String) throws -> String {
        try ConfigFile.write(port: 1, key: "k", directory: work, extra: "retention: \(retention)")
    }

    @Test func aDryRunListsWhatAgeWouldDeleteAndApplyDeletesIt() async throws {
        try await CLI.workspace("retention") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let config = try Self.config(work, "{ maxAgeDays: 4 }")
            let later = "2026-11-10T00:00:00Z"
            let dry = try CLI.run("retention", "--config", config, "--now", later)
            #expect(
                dry.status == 0 && dry.output.contains("would delete 10 segments")
                    && dry.output.contains("dry run: nothing deleted; add --apply"),
                "\(dry)")
            #expect(dry.output.contains("  nvr CH1 2026-11-01T15:00:00Z–2026-11-01T15:10:00Z 10 segments "), "\(dry)")
            #expect(try CLI.run("coverage", "--archive", work + "/archive").output.hasPrefix("nvr CH1"), "a dry run deletes nothing")
            let applied = try CLI.run("retention", "--config", config, "--now", later, "--apply", "--actor", "ops")
            #expect(applied.status == 0 && applied.output.contains("deleted 10 segments"), "\(applied)")
            #expect(try CLI.run("coverage", "--archive", work + "/archive").output == "the archive is empty\n")
            #expect(try CLI.run("custody", "--archive", work + "/archive").output.contains("retention-delete  case -  by ops"))
        }
    }

    @Test func footageTheQuotaMayNotDeleteExits1() async throws {
        try await CLI.workspace("retention-quota") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let config = try Self.config(work, "{ quotaGB: 0.000001 }")
            let result = try CLI.run("retention", "--config", config, "--now", "2026-11-02T01:00:00-05:00")
            #expect(result.status == 1 && result.output.contains("still over quota by "), "\(result)")
        }
    }

    @Test func noRetentionConfiguredExits64() async throws {
        try await CLI.workspace("retention-none") { work in
            let config = try ConfigFile.write(port: 1, key: "k", directory: work)
            let result = try CLI.run("retention", "--config", config)
            #expect(result.status == 64 && result.errors.contains("no retention.maxAgeDays or retention.quotaGB"), "\(result)")
        }
    }
}
