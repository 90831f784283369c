import Crypto
import Foundation
import HexDigest
import Remux

/// A small set of encoded GOPs, built once per video profile and cached under the data
/// directory, from which every export is assembled. Which variant plays at an instant is a
/// pure function of channel and GOP index, so the same instant always yields the same packets.
public struct GOPLibrary: Sendable {
    public let video: EncodedVideo
    public let settings: VideoEncoderSettings

    public var gopFrames: Int { settings.gopFrames }

    public func variant(channel: Int, gopIndex: Int64) -> [MediaPacket] {
        video.gops[Int(mix(UInt64(channel), UInt64(bitPattern: gopIndex), 0x676f70) % UInt64(video.gops.count))]
    }

    /// Loads the cached library for `settings`, or encodes and caches it. The cache holds the
    /// encoder's Annex B; the library in memory is length-prefixed (`EncodedVideo.lengthPrefixed`),
    /// so the muxer copies each frame instead of scanning and rewriting it.
    public static func load(settings: VideoEncoderSettings, variants: Int, cacheDirectory: String) throws -> GOPLibrary {
        let key = cacheKey(settings, variants)
        let path = (cacheDirectory as NSString).appendingPathComponent("gops-\(key).bin")
        if let data = FileManager.default.contents(atPath: path), let video = try? GOPLibraryFile.decode(data) {
            return GOPLibrary(video: try video.lengthPrefixed(scratchDirectory: cacheDirectory), settings: settings)
        }
        let video = try VideoEncoder.encodeGOPs(settings, gopCount: variants)
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(UUID().uuidString)"
        try GOPLibraryFile.encode(video).write(to: URL(fileURLWithPath: temporary))
        _ = rename(temporary, path)
        return GOPLibrary(video: try video.lengthPrefixed(scratchDirectory: cacheDirectory), settings: settings)
    }

    static func cacheKey(_ settings: VideoEncoderSettings, _ variants: Int) -> String {
        let description =
            "v2|\(settings.codec)|\(settings.width)x\(settings.height)|\(settings.fps)|\(settings.gopFrames)|\(settings.bitrate)|\(settings.bFrames)|\(variants)"
        return SHA256.hash(data: Data(description.utf8)).prefix(8).lowercaseHex
    }
}

/// On-disk form of a library: a JSON header followed by the packet bytes.
enum GOPLibraryFile {
    struct Header: Codable {
        var parameters: VideoStreamParameters
        var packets: [[PacketEntry]]
    }
    struct PacketEntry: Codable {
        var size: Int
        var pts: Int64
        var dts: Int64
        var key: Bool
    }

    static func encode(_ video: EncodedVideo) throws -> Data {
        let header = Header(
            parameters: video.parameters,
            packets: video.gops.map { gop in
                gop.map { PacketEntry(size: $0.data.count, pts: $0.pts, dts: $0.dts, key: $0.isKeyframe) }
            })
        let json = try JSONEncoder().encode(header)
        var data = Data()
        var length = UInt32(json.count).bigEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for gop in video.gops { for packet in gop { data.append(contentsOf: packet.data) } }
        return data
    }

    static func decode(_ data: Data) throws -> EncodedVideo {
        let bytes = [UInt8](data)
        guard bytes.count > 4 else { throw RemuxError.invalidInput("GOP cache too short") }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard 4 + length <= bytes.count else { throw RemuxError.invalidInput("GOP cache header truncated") }
        let header = try JSONDecoder().decode(Header.self, from: Data(bytes[4..<(4 + length)]))
        var offset = 4 + length
        var gops: [[MediaPacket]] = []
        for entries in header.packets {
            var gop: [MediaPacket] = []
            for e in entries {
                guard offset + e.size <= bytes.count else { throw RemuxError.invalidInput("GOP cache payload truncated") }
                gop.append(
                    MediaPacket(data: Array(bytes[offset..<(offset + e.size)]), pts: e.pts, dts: e.dts, duration: 1, isKeyframe: e.key))
                offset += e.size
            }
            gops.append(gop)
        }
        return EncodedVideo(parameters: header.parameters, gops: gops)
    }
}
