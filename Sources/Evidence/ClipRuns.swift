import ExportFileFormat
import Foundation
import Remux

/// The clips of one channel: a clip per run of segments without a gap, written as a sealed
/// Export File Format file in one pass; a run whose segments are not fragmented MP4 (Matroska,
/// for a stream MP4 cannot hold) is remuxed as before, unsealed (the manifest's signature still
/// covers it). A run whose segments change their sample descriptions midway cannot share one
/// `moov` and is refused with the writer's reason (not split into clips yet).
enum ClipRuns {
    static func write(
        _ sources: [ClipSource], from: Int64, to: Int64, seal: ExportSeal, name: (Int) -> String
    ) throws -> [(ClipPart, WrittenClip?)] {
        var parts: [(ClipPart, WrittenClip?)] = []
        for run in ClipExtractor.runs(sources, from: from, to: to) {
            let path = name(parts.count)
            if run.allSatisfy({ FragmentedSegment.isFragmentedMP4(path: $0.path) }) {
                let clip = try effWrite(run, from: from, to: to, path: path, seal: seal)
                let used = Set(clip.segments.map(\.path))
                parts.append(
                    (
                        ClipPart(
                            path: path, container: .mp4, firstMicros: clip.firstMicros, endMicros: clip.endMicros,
                            videoFrames: clip.videoFrames, audioPackets: clip.audioPackets, sources: run.filter { used.contains($0.path) }),
                        clip
                    ))
            } else {
                parts += try ClipExtractor.extract(run, from: from, to: to) { _ in path }.map { ($0, nil) }
            }
        }
        return parts
    }

    private static func effWrite(_ run: [ClipSource], from: Int64, to: Int64, path: String, seal: ExportSeal) throws -> WrittenClip {
        do {
            return try ClipWriter.write(
                run.map { ClipSegment(path: $0.path, startMicros: $0.startMicros) }, from: from, to: to, path: path, seal: seal)
        } catch {
            throw EvidenceError.invalidInput("cannot write \((path as NSString).lastPathComponent): \(error)")
        }
    }
}
