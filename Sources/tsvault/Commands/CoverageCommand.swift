import Archive
import ArgumentParser
import CoverageReport
import Foundation
import Nightly

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Archived minutes and gaps per server, channel and day.",
        discussion: """
            Days are calendar days in --timezone (default UTC). Each day has a bar, one mark per 30 \
            minutes showing the most urgent state of its minutes: verified, not checked yet, check \
            failed, on the recorder but not archived, export failed, lost, deleted by retention, \
            nothing recorded, unknown (the legend follows the days); under a day, the spans the \
            recorder said it did not record and why (camera disconnected, recording off). With --html FILE, writes the \
            picture as one self-contained web page instead: a month calendar per channel, each day's \
            minutes with what explains them (last export error, retention rule, holds and extractions \
            by case), the segments and exports behind a selected range and the `evidence extract` \
            command for it, backup targets and the last runs. Exit code 0, 74 when the archive \
            cannot be read or the file cannot be written.
            """)

    @Option(help: "Only this recorder.") var server: String?
    @Option(help: "Only this channel.") var channel: Int?
    @Option(help: "From this instant (ISO 8601 with offset; default: the oldest segment).") var from: String?
    @Option(help: "To this instant (default: the newest segment's end).") var to: String?
    @Option(help: "Time zone of the days (IANA; use the recorder's).") var timezone = "UTC"
    @OptionGroup var archive: ArchiveOptions
    @Flag(help: "Print the days as JSON (archived minutes and gaps as ranges of minute offsets).") var json = false
    @Option(help: "Write the coverage picture to this HTML file (self-contained; nothing printed but its path).") var html: String?

    func run() throws {
        guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("unknown --timezone \(timezone)") }
        let store = try archive.open()
        guard let span = try store.span() else {
            if json { try printJSON(list: [CoveredDay](), key: "days") } else { print("the archive is empty") }
            return
        }
        let fromDate = try from.map { try parseInstant($0, option: "--from") } ?? Date(unixMicros: span.lowerBound)
        let toDate = try to.map { try parseInstant($0, option: "--to") } ?? Date(unixMicros: span.upperBound)
        if let html {
            let report = try CoverageReport.build(
                store, CoverageReport.Request(server: server, channel: channel, from: fromDate, to: toDate, zone: zone))
            try writeReport(CoveragePage.html(report), to: html)
            return
        }
        let days = try store.coverage(server: server, channel: channel, from: fromDate, to: toDate, zone: zone)
        let recorderGaps = try days.map { day in
            try store.statusGaps(
                server: day.server, channel: day.channel, fromMicros: day.dayStartMicros,
                toMicros: day.dayStartMicros + Int64(day.minutes.count) * 60_000_000)
        }
        if json {
            try printJSON(list: zip(days, recorderGaps).map(CoveredDay.init), key: "days")
            return
        }
        let bar = CoverageBar.forStandardOutput
        for (day, recorderGaps) in zip(days, recorderGaps) {
            let gaps = day.gaps.prefix(6).map { "\(clock($0.lowerBound))–\(clock($0.upperBound))" }.joined(separator: ", ")
            let more = day.gaps.count > 6 ? " (+\(day.gaps.count - 6) more)" : ""
            let facts = try store.dayFacts(
                server: day.server, channel: day.channel, startMicros: day.dayStartMicros,
                endMicros: day.dayStartMicros + Int64(day.minutes.count) * 60_000_000)
            print(
                "\(day.server) CH\(day.channel) \(day.day)  \(day.archivedMinutes)/\(day.minutes.count) min  "
                    + bar.render(MinuteMap.classify(facts).map(\.state)) + (day.gaps.isEmpty ? "" : "  gaps \(gaps)\(more)"))
            for gap in recorderGaps {
                let to = gap.endMicros.map { Date(unixMicros: $0) }
                print("    no recording: \(GapText.describe(gap.reason, from: Date(unixMicros: gap.startMicros), to: to, zone: zone))")
            }
        }
        if !days.isEmpty { print(bar.legend) }
    }

    /// Writes the page next to its final name and renames it, so a reader never sees half a page.
    private func writeReport(_ page: String, to path: String) throws {
        let temporary = path + ".partial"
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ArchiveError.ioFailed(path: path, detail: error.localizedDescription)
        }
        print(path)
    }

    /// Minute offset into the day as hh:mm (elapsed, so DST days read naturally).
    private func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }
}

/// A day of `coverage --json`: ranges of minute offsets [start, end) from the day's first
/// instant (elapsed minutes, so a 25-hour day ends at 1500), not one flag per minute.
struct CoveredDay: Encodable {
    var server: String
    var channel: Int
    var day: String
    var start: Date
    var minutes: Int
    var archivedMinutes: Int
    var archived: [[Int]]
    var gaps: [[Int]]
    /// What the recorder said of the gaps it has (camera disconnected, recording off).
    var recorderGaps: [RunReport.RecorderGap]

    init(_ day: DayCoverage, recorderGaps: [StatusGap]) {
        self.recorderGaps = recorderGaps.map(RunReport.RecorderGap.init)
        server = day.server
        channel = day.channel
        self.day = day.day
        start = Date(unixMicros: day.dayStartMicros)
        minutes = day.minutes.count
        archivedMinutes = day.archivedMinutes
        gaps = day.gaps.map { [$0.lowerBound, $0.upperBound] }
        archived = day.archivedRanges.map { [$0.lowerBound, $0.upperBound] }
    }
}
