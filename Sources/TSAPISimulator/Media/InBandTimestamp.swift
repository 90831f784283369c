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

    /// The SEI NAL unit, without start code or length prefix.
    static func seiNAL(codec: VideoCodec, channel: Int, utcMilliseconds: Int64) -> [UInt8] {
        let text = Array("ch=\(channel) utc=\(ServerTime.formatUTC(milliseconds: utcMilliseconds))".utf8)
        let payload = uuid + text
        let header: [UInt8] = codec == .h264 ? [0x06] : [0x4E, 0x01]
        return header + [0x05, UInt8(payload.count)] + payload + [0x80]
    }

    /// Builds one channel's stamps, frame after frame, in one reused array: formatting each
    /// from scratch (a string, then arrays) took 5–8 % of the simulator's samples. The date is
    /// formatted once per day; the time of day is written digit by digit.
    struct Stamper {
        private let codec: VideoCodec
        private let channel: Int
        private var nal: [UInt8]
        /// Where `YYYY-MM-DDTHH:MM:SS.mmmZ` begins in `nal`.
        private let timeAt: Int
        private var day: Int64?
        private static let dateLength = 11  // "YYYY-MM-DDT"

        init(codec: VideoCodec, channel: Int) {
            self.codec = codec
            self.channel = channel
            nal = seiNAL(codec: codec, channel: channel, utcMilliseconds: 0)
            timeAt = nal.count - 1 - "1970-01-01T00:00:00.000Z".utf8.count
        }

        /// The SEI NAL unit for `utcMilliseconds` (as `seiNAL` makes it).
        mutating func sei(utcMilliseconds: Int64) -> [UInt8] {
            let (seconds, millis) = floorDivMod(utcMilliseconds, 1000)
            let (days, secondOfDay) = floorDivMod(seconds, 86_400)
            if days != day {
                let date = Array(ServerTime.formatUTC(milliseconds: days * 86_400_000).utf8.prefix(Self.dateLength + 1))
                // A year of other than four digits changes the length: the slow way, exactly.
                guard date.count == Self.dateLength + 1, date[Self.dateLength - 1] == UInt8(ascii: "T") else {
                    return seiNAL(codec: codec, channel: channel, utcMilliseconds: utcMilliseconds)
                }
                nal.replaceSubrange(timeAt..<(timeAt + Self.dateLength), with: date.prefix(Self.dateLength))
                day = days
            }
            let clock = timeAt + Self.dateLength  // HH:MM:SS.mmm
            put(Int(secondOfDay / 3600), digits: 2, at: clock)
            put(Int(secondOfDay % 3600 / 60), digits: 2, at: clock + 3)
            put(Int(secondOfDay % 60), digits: 2, at: clock + 6)
            put(Int(millis), digits: 3, at: clock + 9)
            return nal
        }

        private mutating func put(_ value: Int, digits: Int, at offset: Int) {
            var rest = value
            for i in stride(from: digits - 1, through: 0, by: -1) {
                nal[offset + i] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
    }

    /// Writes a length-prefixed access unit (the GOP library's form) with the stamp inserted
    /// into `destination`, which holds exactly `accessUnit.count + 4 + sei.count` bytes: after
    /// an access unit delimiter if the unit starts with one, otherwise first. Written in place,
    /// straight into the muxer's packet: a new array per frame cost the simulator a copy.
    static func stamp(_ accessUnit: [UInt8], sei: [UInt8], codec: VideoCodec, into destination: UnsafeMutableRawBufferPointer) {
        precondition(destination.count == accessUnit.count + 4 + sei.count, "destination sized for the stamped unit")
        let insertAt = accessUnitDelimiterEnd(accessUnit, codec: codec) ?? 0
        accessUnit.withUnsafeBytes { unit in
            guard let base = destination.baseAddress else { return }
            base.copyMemory(from: unit.baseAddress!, byteCount: insertAt)
            var length = UInt32(sei.count).bigEndian
            (base + insertAt).copyMemory(from: &length, byteCount: 4)
            sei.withUnsafeBytes { (base + insertAt + 4).copyMemory(from: $0.baseAddress!, byteCount: sei.count) }
            (base + insertAt + 4 + sei.count).copyMemory(from: unit.baseAddress! + insertAt, byteCount: unit.count - insertAt)
        }
    }

    /// Where the first NAL unit ends when it is an access unit delimiter (length-prefixed).
    private static func accessUnitDelimiterEnd(_ au: [UInt8], codec: VideoCodec) -> Int? {
        guard au.count > 5 else { return nil }
        let length = Int(au[0]) << 24 | Int(au[1]) << 16 | Int(au[2]) << 8 | Int(au[3])
        let isAUD = codec == .h264 ? (au[4] & 0x1F) == 9 : ((au[4] >> 1) & 0x3F) == 35
        guard isAUD, 4 + length <= au.count else { return nil }
        return 4 + length
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
