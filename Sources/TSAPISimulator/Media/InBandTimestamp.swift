import Remux

/// The wall-clock stamp every simulated frame carries inside its bitstream: an SEI
/// `user_data_unregistered` message (H.264 NAL type 6, H.265 prefix SEI type 39) holding a
/// fixed UUID and `ch=<n> utc=<ISO 8601 ms>Z`. Decoders ignore it; a test can read it from
/// any archived packet to prove which channel and instant the frame belongs to.
public enum InBandTimestamp {
    /// Chosen without bytes 0x00–0x03 so the payload needs no emulation prevention.
    static let uuid: [UInt8] = [
        0x54, 0x53, 0x56, 0x53, 0x49, 0x4D, 0x2D, 0x54,
        0x49, 0x4D, 0x45, 0x2D, 0x76, 0x31, 0x21, 0x21
    ]

    public struct Stamp: Sendable, Equatable {
        public var channel: Int
        public var utcMilliseconds: Int64
    }

    /// The SEI NAL unit in Annex B form (start code included).
    static func seiNAL(codec: VideoCodec, channel: Int, utcMilliseconds: Int64) -> [UInt8] {
        let text = Array("ch=\(channel) utc=\(ServerTime.formatUTC(milliseconds: utcMilliseconds))".utf8)
        let payload = uuid + text
        let header: [UInt8] = codec == .h264 ? [0x06] : [0x4E, 0x01]
        return [0, 0, 0, 1] + header + [0x05, UInt8(payload.count)] + payload + [0x80]
    }

    /// Inserts the stamp into an Annex B access unit, after an access unit delimiter if the
    /// unit starts with one, otherwise first.
    static func stamp(_ accessUnit: [UInt8], codec: VideoCodec, channel: Int, utcMilliseconds: Int64) -> [UInt8] {
        let sei = seiNAL(codec: codec, channel: channel, utcMilliseconds: utcMilliseconds)
        let insertAt = accessUnitDelimiterEnd(accessUnit, codec: codec) ?? 0
        var out = [UInt8]()
        out.reserveCapacity(accessUnit.count + sei.count)
        out += accessUnit[0..<insertAt]
        out += sei
        out += accessUnit[insertAt...]
        return out
    }

    private static func accessUnitDelimiterEnd(_ au: [UInt8], codec: VideoCodec) -> Int? {
        guard au.count > 6, au[0] == 0, au[1] == 0, au[2] == 0, au[3] == 1 else { return nil }
        let isAUD = codec == .h264 ? (au[4] & 0x1F) == 9 : ((au[4] >> 1) & 0x3F) == 35
        guard isAUD else { return nil }
        var i = 5
        while i + 3 < au.count {
            if au[i] == 0, au[i + 1] == 0, au[i + 2] == 1 || (au[i + 2] == 0 && au[i + 3] == 1) { return i }
            i += 1
        }
        return nil
    }

    /// Finds the stamp in a packet, whether Annex B or length-prefixed (as read from MP4).
    public static func find(in packet: [UInt8]) -> Stamp? {
        guard packet.count > uuid.count else { return nil }
        var i = 0
        let last = packet.count - uuid.count
        while i <= last {
            if packet[i] == uuid[0], Array(packet[i..<(i + uuid.count)]) == uuid {
                return parse(packet[(i + uuid.count)...])
            }
            i += 1
        }
        return nil
    }

    private static func parse(_ tail: ArraySlice<UInt8>) -> Stamp? {
        let text = String(decoding: tail.prefix { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)
        let parts = text.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("ch="), parts[1].hasPrefix("utc="),
            let channel = Int(parts[0].dropFirst(3)),
            let parsed = ServerTime(zone: .gmt).parse(String(parts[1].dropFirst(4)), lenient: false)
        else { return nil }
        return Stamp(channel: channel, utcMilliseconds: parsed.seconds * 1000 + Int64(parsed.milliseconds))
    }
}
