import Archive
import Foundation

extension CoverageReport {
    /// What a report covers.
    public struct Request: Sendable {
        public var server: String?
        public var channel: Int?
        public var from: Date
        public var to: Date
        public var zone: TimeZone
        /// Above this many segments in the range, their hashes and sizes are left out.
        public var segmentDetailLimit = 20_000
        public var runLimit = 10

        public init(server: String? = nil, channel: Int? = nil, from: Date, to: Date, zone: TimeZone) {
            self.server = server
            self.channel = channel
            self.from = from
            self.to = to
            self.zone = zone
        }
    }

    /// Reads the report from the archive's index: each channel's days through
    /// `Archive.channelFacts` and `MinuteMap`, the same states the terminal bars show.
    public static func build(_ archive: Archive, _ request: Request, now: Date = Date()) throws -> CoverageReport {
        let days = Archive.localDays(from: request.from, to: request.to, zone: request.zone)
        let span = (days.first?.range.lowerBound ?? request.from.unixMicros, days.last?.range.upperBound ?? request.to.unixMicros)
        let segmentCount = try archive.segmentCount(server: request.server, channel: request.channel, from: span.0, to: span.1)
        let withSegments = segmentCount <= request.segmentDetailLimit
        var exportIDs = Set<Int64>()
        var channels: [Channel] = []
        for known in try archive.knownChannels()
        where (request.server == nil || known.server == request.server) && (request.channel == nil || known.channel == request.channel) {
            let facts = try archive.channelFacts(server: known.server, channel: known.channel, days: days.map(\.range))
            let segments =
                withSegments ? try archive.segmentDetails(server: known.server, channel: known.channel, from: span.0, to: span.1) : []
            exportIDs.formUnion(segments.map(\.exportID))
            channels.append(
                Channel(
                    server: known.server, channel: known.channel,
                    days: zip(days, facts).map { day, facts in
                        Self.day(day.name, range: day.range, info: MinuteMap.classify(facts), segments: segments)
                    }))
        }
        let overview = try archive.overview()
        return CoverageReport(
            generatedAt: now, timeZone: request.zone.identifier, from: request.from, to: request.to,
            archive: ArchiveSummary(
                path: URL(fileURLWithPath: archive.root).standardizedFileURL.path,
                store: try Archive.recordedStore(root: archive.root)?.location, segments: overview.segments,
                storedBytes: overview.storedBytes, failedBlobs: overview.failedBlobs, unverifiedBlobs: overview.unverifiedBlobs,
                lastVerifiedAt: overview.lastVerifiedAt, activeHolds: overview.activeHolds),
            targets: overview.backups.map {
                Target(
                    label: $0.label, path: $0.path, lastPush: $0.lastPush, behindBlobs: $0.newerBlobs, behindBytes: $0.newerBytes,
                    damagedBlobs: $0.damagedBlobs)
            },
            runs: try archive.runs(limit: request.runLimit).map {
                Run(id: $0.id, startedAt: $0.startedAt, finishedAt: $0.finishedAt, status: $0.status.rawValue)
            },
            legend: MinuteState.allCases.map { LegendEntry(code: $0.code, state: $0.rawValue, label: $0.label, color: $0.color) },
            channels: channels, segmentDetailsOmitted: withSegments ? nil : segmentCount,
            exports: Dictionary(
                uniqueKeysWithValues: try archive.exportRecords(ids: exportIDs).map {
                    (
                        String($0.id),
                        Export(
                            sourceName: $0.sourceName, sourceSHA256: $0.sourceSHA256, recorderMD5: $0.recorderMD5,
                            fileStart: Date(unixMicros: $0.fileStartMicros), ingestedAt: $0.ingestedAt)
                    )
                }))
    }

    private static func day(_ name: String, range: Range<Int64>, info: [MinuteInfo], segments: [SegmentDetail]) -> Day {
        let states = info.map(\.state)
        let archived = states.filter { [.verified, .unverified, .damaged].contains($0) }.count
        let recorded = states.filter { ![.empty, .unknown].contains($0) }.count
        let inDay = segments.filter { $0.endMicros > range.lowerBound && $0.startMicros < range.upperBound }
        return Day(
            day: name, start: Date(unixMicros: range.lowerBound), minutes: states.count, recordedMinutes: recorded,
            archivedMinutes: archived, states: runLength(states), notes: notes(info),
            segments: inDay.map {
                Segment(
                    start: Date(unixMicros: $0.startMicros), end: Date(unixMicros: $0.endMicros), bytes: $0.bytes, sha256: $0.sha256,
                    export: $0.exportID)
            })
    }
}
