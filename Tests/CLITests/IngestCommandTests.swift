import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct IngestCommandTests {
    @Test func aRecordingIsCutIntoMinuteSegmentsOnceAndExits0() async throws {
        try await CLI.workspace("ingest") { work in
            let file = try #require(try await SyntheticArchive.recordings(into: work + "/files").first)
            let name = (file as NSString).lastPathComponent
            #expect(name == "CH01_20261101_100000.mp4")
            let first = try CLI.run("ingest", file, "--server", "nvr", "--channel", "1", "--archive", work + "/archive")
            #expect(first.status == 0 && first.output.hasPrefix("ingested \(name): 10 segments (10 new), "), "\(first)")
            #expect(first.output.contains("2026-11-01T15:00:00Z – 2026-11-01T15:10:00Z"), "\(first)")
            let again = try CLI.run("ingest", file, "--server", "nvr", "--channel", "1", "--archive", work + "/archive")
            #expect(again.status == 0 && again.output.hasPrefix("ingested \(name): 10 segments (0 new), 0 bytes stored"), "\(again)")
        }
    }

    @Test func aFileThatIsNotARecordingExits65AndArchivesNothing() async throws {
        try await CLI.workspace("ingest-bad") { work in
            try "not a video".write(toFile: work + "/CH01_20261101_100000.mp4", atomically: true, encoding: .utf8)
            let result = try CLI.run(
                "ingest", work + "/CH01_20261101_100000.mp4", "--server", "nvr", "--channel", "1",
                "--archive", work + "/archive")
            #expect(
                result.status == 65
                    && result.errors.contains("tsvault ingest: \(work)/CH01_20261101_100000.mp4 is not a readable recording"), "\(result)")
            // FFmpeg's own complaint goes to the debug log, not as a raw line before tsvault's.
            #expect(result.errors.split(separator: "\n").count == 1, "\(result.errors)")
            #expect(try CLI.run("coverage", "--archive", work + "/archive").output == "the archive is empty\n")
        }
    }

    @Test func aMissingFileExits64AndAChannelBelow1IsAUsageError() async throws {
        try await CLI.workspace("ingest-usage") { work in
            let missing = try CLI.run("ingest", work + "/none.mp4", "--server", "nvr", "--channel", "1", "--archive", work + "/archive")
            #expect(missing.status == 64 && missing.errors.contains("cannot read \(work)/none.mp4"), "\(missing)")
            let channel = try CLI.run("ingest", work + "/none.mp4", "--server", "nvr", "--channel", "0", "--archive", work + "/archive")
            #expect(channel.status == 64 && channel.errors.contains("--channel must be 1 or more"), "\(channel)")
        }
    }
}
