import Remux
import Testing

@testable import TSAPISimulator

/// The stamp every simulated frame carries: built fast, frame after frame, and exactly the
/// bytes the plain formatter gives; inserted where a decoder and `find` expect it.
@Suite struct InBandTimestampTests {
    /// Instants in the order an export meets them: across midnight UTC, a leap day, the epoch,
    /// back in time (a second export reuses nothing wrongly) and a five-digit year.
    static let instants: [Int64] = [
        1_764_032_400_000, 1_764_032_400_066, 1_764_115_199_999, 1_764_115_200_000, 1_764_115_200_001,
        1_709_164_800_000 + 86_399_999, 0, 999, 86_399_999, 1_764_032_400_000, yearTenThousand, 1_764_032_401_000
    ]
    static let yearTenThousand: Int64 = 253_402_300_800_000

    @Test(arguments: [VideoCodec.h264, .h265], [1, 16])
    func theStamperBuildsTheSameBytesAsTheFormatter(codec: VideoCodec, channel: Int) {
        var stamper = InBandTimestamp.Stamper(codec: codec, channel: channel)
        for instant in Self.instants {
            let built = stamper.sei(utcMilliseconds: instant)
            #expect(built == InBandTimestamp.seiNAL(codec: codec, channel: channel, utcMilliseconds: instant), "\(instant)")
            // `find` reads four-digit years only (ISO 8601's basic form); the year 10000 is here
            // for the stamper's fallback to the formatter, whose bytes it must still match.
            if instant < Self.yearTenThousand {
                #expect(InBandTimestamp.find(in: built) == .init(channel: channel, utcMilliseconds: instant))
            }
        }
    }

    @Test func theStampGoesAfterAnAccessUnitDelimiterOrFirst() {
        let sei = InBandTimestamp.seiNAL(codec: .h264, channel: 3, utcMilliseconds: 1_764_032_400_000)
        let delimiter: [UInt8] = [0, 0, 0, 2, 0x09, 0xF0]
        let slice: [UInt8] = [0, 0, 0, 3, 0x65, 0x88, 0x84]
        let seiPrefixed = [0, 0, 0, UInt8(sei.count)] + sei
        for (unit, expected) in [(delimiter + slice, delimiter + seiPrefixed + slice), (slice, seiPrefixed + slice)] {
            var out = [UInt8](repeating: 0, count: unit.count + 4 + sei.count)
            out.withUnsafeMutableBytes { InBandTimestamp.stamp(unit, sei: sei, codec: .h264, into: $0) }
            #expect(out == expected)
            #expect(InBandTimestamp.find(in: out)?.utcMilliseconds == 1_764_032_400_000)
        }
    }
}
