import Crypto
import Foundation
import HexDigest
import Remux

/// One file of an export task as the client sees it.
public struct ExportedFile: Sendable {
    /// The name advertised in `fileEnd` (may be hostile under fault injection).
    public var name: String
    /// Where the simulator keeps it; never derived from `name`.
    public var path: String
    public var size: Int64
    public var md5: String?
}

/// Assembles export files from the GOP library: stamps every frame with its channel and
/// wall-clock time, muxes the packets into MP4 (copy, no re-encode) and writes subtitles.
struct ExportFileBuilder: Sendable {
    let library: GOPLibrary
    /// The audio track's packet cycle, nil for video-only recorders.
    let audio: EncodedAudio?
    let time: ServerTime
    let naming: SimulatorConfiguration.FileNaming
    let gopSeconds: Int64

    /// MP4 cannot carry G.711, so such recorders export Matroska (as many do in the field).
    var container: ContainerFormat { audio?.parameters.codec == .pcmMulaw ? .matroska : .mp4 }

    /// Bytes the GOP of `channel` at `gopIndex` takes, for mediaSize splitting.
    func gopBytes(channel: Int, gopIndex: Int64) -> Int {
        let video = library.variant(channel: channel, gopIndex: gopIndex).reduce(0) { $0 + $1.data.count + 70 }
        let audioBytes =
            audio.map { a in
                Int(gopSeconds) * Int(a.parameters.sampleRate) / Int(a.parameters.frameSize) * ((a.packets.first?.count ?? 0) + 20)
            } ?? 0
        return video + audioBytes
    }

    func baseName(channel: Int, start: UnixSeconds, naming: SimulatorConfiguration.FileNaming? = nil) -> String {
        let f = time.localFields(start)
        switch naming ?? self.naming {
        case .v1:
            return
                "CH\(pad(channel, 2))_\(pad(f.year, 4))\(pad(f.month, 2))\(pad(f.day, 2))_\(pad(f.hour, 2))\(pad(f.minute, 2))\(pad(f.second, 2))"
        case .legacy:
            return
                "CH\(channel).\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)).\(pad(f.minute, 2)).\(pad(f.second, 2))"
        }
    }

    /// Writes the video file for `plan` to `path`.
    func writeVideo(channel: Int, plan: ExportFilePlan, to path: String) throws {
        let fileStart = plan.firstGOP * gopSeconds
        let writer = try MediaFileWriter(
            path: path, video: library.video.parameters, audio: audio?.parameters,
            options: .init(
                container: container, bitexact: true, faststart: false,
                metadata: [
                    "creation_time": ServerTime.formatUTC(milliseconds: fileStart * 1000),
                    "title": "CH\(channel)"
                ]))
        let frames = Int64(library.gopFrames)
        let fps = Int64(library.settings.fps)
        let codec = library.settings.codec
        var stamper = InBandTimestamp.Stamper(codec: codec, channel: channel)
        for run in plan.runs {
            for g in run {
                let base = (g - plan.firstGOP) * frames
                for packet in library.variant(channel: channel, gopIndex: g) {
                    let utcMs = g * gopSeconds * 1000 + packet.pts * 1000 / fps
                    let sei = stamper.sei(utcMilliseconds: utcMs)
                    let timing = PacketTiming(pts: base + packet.pts, dts: base + packet.dts, duration: 1, isKeyframe: packet.isKeyframe)
                    try writer.write(size: packet.data.count + 4 + sei.count, timing: timing, streamIndex: 0) { destination in
                        InBandTimestamp.stamp(packet.data, sei: sei, codec: codec, into: destination)
                    }
                }
                if let audio { try writeAudio(audio, gop: g, fileStart: fileStart, to: writer) }
            }
        }
        try writer.finish()
    }

    /// Audio frames are numbered from the Unix epoch: frame k starts at sample k·frameSize and
    /// plays packet k mod cycle. A GOP carries the frames that start inside it, so the same
    /// instant gets the same packet in every export, as the video does.
    private func writeAudio(_ audio: EncodedAudio, gop: Int64, fileStart: UnixSeconds, to writer: MediaFileWriter) throws {
        let rate = Int64(audio.parameters.sampleRate)
        let frameSize = Int64(audio.parameters.frameSize)
        let gopStartSample = gop * gopSeconds * rate
        let gopEndSample = (gop + 1) * gopSeconds * rate
        let first = (gopStartSample + frameSize - 1) / frameSize
        let end = (gopEndSample + frameSize - 1) / frameSize
        for k in first..<end {
            let pts = k * frameSize - fileStart * rate
            let data = audio.packets[Int(k % Int64(audio.packets.count))]
            try writer.write(MediaPacket(data: data, pts: pts, dts: pts, duration: frameSize, isKeyframe: true), streamIndex: 1)
        }
    }

    func writeSubtitle(_ format: SubtitleFormat, channel: Int, plan: ExportFilePlan, to path: String) throws {
        let spans = plan.runs.map { TimeSpan($0.lowerBound * gopSeconds, ($0.upperBound + 1) * gopSeconds) }
        let text = SubtitleWriter.render(format, fileStart: plan.firstGOP * gopSeconds, recorded: spans, time: time)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

enum FileDigest {
    /// Size and MD5 of a file, read in 4 MiB chunks into one buffer (not a new `Data` per
    /// chunk: fresh memory for every megabyte cost the simulator page faults and copies), from
    /// the disk where direct reads work (the file was just written past the page cache).
    static func sizeAndMD5(_ path: String) throws -> (Int64, String) {
        let file: AlignedFileReader
        do { file = try AlignedFileReader(path: path) } catch {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: AlignedFileReader.capacity(for: chunk), alignment: AlignedFileReader.alignment)
        defer { buffer.deallocate() }
        var md5 = Insecure.MD5()
        var size: Int64 = 0
        while true {
            let read = try file.read(chunk, at: size, into: buffer)
            if read.count == 0 { break }
            md5.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[read.start..<(read.start + read.count)]))
            size += Int64(read.count)
        }
        return (size, md5.finalize().lowercaseHex)
    }
}
