import CFFmpeg

/// The library equivalent of `ffmpeg -f framemd5 -c copy`: one MD5 per packet's payload.
public struct PacketDigest: Sendable, Hashable {
    public var streamIndex: Int
    public var pts: Int64?
    public var dts: Int64?
    public var duration: Int64
    public var size: Int
    public var isKeyframe: Bool
    public var md5: String

    public init(_ packet: ReadPacket) {
        streamIndex = packet.streamIndex
        pts = packet.pts
        dts = packet.dts
        duration = packet.duration
        size = packet.data.count
        isKeyframe = packet.isKeyframe
        md5 = Self.md5Hex(packet.data)
    }

    public static func md5Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeBufferPointer { av_md5_sum(&digest, $0.baseAddress, $0.count) }
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Digests of every packet of a file, in file order.
    public static func digests(ofFile path: String) throws -> [PacketDigest] {
        let reader = try PacketReader(path: path)
        var result: [PacketDigest] = []
        while let packet = try reader.next() { result.append(PacketDigest(packet)) }
        return result
    }
}
