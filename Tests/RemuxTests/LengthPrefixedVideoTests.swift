import Foundation
import Testing

@testable import Remux

/// The simulator keeps its GOP library length-prefixed so the muxer copies frames instead of
/// rewriting them; files built from it must be the very files built from the encoder's Annex B.
@Suite(.timeLimit(.minutes(3))) struct LengthPrefixedVideoTests {
    /// NAL units of an Annex B access unit, trailing zero bytes dropped (they belong to the
    /// next start code).
    static func annexBUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        var starts: [Int] = []
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                starts.append(i + 3)
                i += 3
            } else {
                i += 1
            }
        }
        return starts.enumerated().map { k, start in
            var end = k + 1 < starts.count ? starts[k + 1] - 3 : bytes.count
            while end > start, bytes[end - 1] == 0 { end -= 1 }
            return Array(bytes[start..<end])
        }
    }

    /// NAL units of a length-prefixed access unit; nil unless the lengths end exactly at its end.
    static func prefixedUnits(_ bytes: [UInt8]) -> [[UInt8]]? {
        var units: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            guard i + 4 <= bytes.count else { return nil }
            let length = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length > 0, i + 4 + length <= bytes.count else { return nil }
            units.append(Array(bytes[(i + 4)..<(i + 4 + length)]))
            i += 4 + length
        }
        return units
    }

    static func mux(_ video: EncodedVideo, container: ContainerFormat, to path: String) throws -> [UInt8] {
        let writer = try MediaFileWriter(path: path, video: video.parameters, audio: nil, options: .init(container: container))
        var start: Int64 = 0
        for gop in video.gops {
            for p in gop {
                try writer.write(
                    MediaPacket(data: p.data, pts: start + p.pts, dts: start + p.dts, duration: 1, isKeyframe: p.isKeyframe), streamIndex: 0
                )
            }
            start += Int64(gop.count)
        }
        try writer.finish()
        return [UInt8](try #require(FileManager.default.contents(atPath: path)))
    }

    @Test(arguments: [(VideoCodec.h264, 0), (.h264, 2), (.h265, 0), (.h265, 2)])
    func theSameNALUnitsLengthPrefixedMuxIntoTheSameFiles(codec: VideoCodec, bFrames: Int) throws {
        FFmpegLogging.quiet()
        let folder = try HashingFileWriterTests.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let settings = VideoEncoderSettings(
            codec: codec, width: 128, height: 72, fps: 10, gopFrames: 10, bitrate: 100_000, bFrames: bFrames)
        let annexB = try VideoEncoder.encodeGOPs(settings, gopCount: 3)
        let prefixed = try annexB.lengthPrefixed(scratchDirectory: folder)
        #expect(!annexB.isLengthPrefixed && prefixed.isLengthPrefixed)
        #expect(prefixed.parameters.extradata != annexB.parameters.extradata)
        #expect(try prefixed.lengthPrefixed(scratchDirectory: folder).gops.map { $0.map(\.data) } == prefixed.gops.map { $0.map(\.data) })
        for (g, gop) in annexB.gops.enumerated() {
            #expect(gop.count == prefixed.gops[g].count)
            for (p, packet) in gop.enumerated() {
                let converted = prefixed.gops[g][p]
                #expect(Self.prefixedUnits(converted.data) == Self.annexBUnits(packet.data), "GOP \(g) packet \(p)")
                #expect((converted.pts, converted.dts, converted.isKeyframe) == (packet.pts, packet.dts, packet.isKeyframe))
            }
        }
        for container in [ContainerFormat.mp4, .matroska] {
            let fromAnnexB = try Self.mux(annexB, container: container, to: folder + "/a.\(container.fileExtension)")
            let fromPrefixed = try Self.mux(prefixed, container: container, to: folder + "/p.\(container.fileExtension)")
            #expect(fromAnnexB.count > 1000)
            #expect(fromAnnexB == fromPrefixed, "\(codec) in \(container): the muxer's own conversion and ours must agree byte for byte")
        }
    }
}
