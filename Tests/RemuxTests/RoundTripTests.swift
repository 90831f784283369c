import Foundation
import Testing

@testable import Remux

@Suite(.timeLimit(.minutes(5))) struct RoundTripTests {
    func roundTrip(_ codec: VideoCodec, bFrames: Int, container: ContainerFormat) throws {
        FFmpegLogging.quiet()
        let settings = VideoEncoderSettings(
            codec: codec, width: 128, height: 72, fps: 10, gopFrames: 10, bitrate: 100_000, bFrames: bFrames)
        let video = try VideoEncoder.encodeGOPs(settings, gopCount: 3)
        #expect(video.gops.count == 3 && video.gops.allSatisfy { $0.count == 10 && $0[0].isKeyframe })
        #expect(video.gops.allSatisfy { gop in gop.dropFirst().allSatisfy { !$0.isKeyframe } }, "one keyframe per GOP")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(codec)-\(bFrames).\(container.fileExtension)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try MediaFileWriter(path: path, video: video.parameters, audio: nil, options: .init(container: container))
        var written: [MediaPacket] = []
        for (g, gop) in video.gops.enumerated() {
            for p in gop {
                let packet = MediaPacket(
                    data: p.data, pts: p.pts + Int64(g * 10), dts: p.dts + Int64(g * 10), duration: 1, isKeyframe: p.isKeyframe)
                try writer.write(packet, streamIndex: 0)
                written.append(packet)
            }
        }
        try writer.finish()
        let reader = try PacketReader(path: path)
        #expect(reader.streams.count == 1 && reader.streams[0].codecName == (codec == .h264 ? "h264" : "hevc"))
        var read: [ReadPacket] = []
        while let p = try reader.next() { read.append(p) }
        #expect(read.count == written.count)
        #expect(read.filter(\.isKeyframe).count == 3)
        // Presentation order is preserved: pts read back, in the stream's time base, are distinct and span 30 frames.
        let ptsSorted = read.compactMap(\.pts).sorted()
        #expect(Set(ptsSorted).count == 30)
    }

    @Test func h264WithoutBFramesInMP4() throws { try roundTrip(.h264, bFrames: 0, container: .mp4) }
    @Test func h264WithBFramesInMP4() throws { try roundTrip(.h264, bFrames: 2, container: .mp4) }
    @Test func h265InMP4() throws { try roundTrip(.h265, bFrames: 0, container: .mp4) }
    @Test func h264InMatroska() throws { try roundTrip(.h264, bFrames: 0, container: .matroska) }

    @Test func unreadableFileIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("garbage.mp4").path
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: RemuxError.self) { _ = try PacketReader(path: path) }
    }
}
