import Foundation

extension EncodedVideo {
    /// Whether the packets carry length-prefixed NAL units and the global header is an
    /// avcC/hvcC record (its first byte, the record's version, is 1; Annex B starts with 0).
    public var isLengthPrefixed: Bool { parameters.extradata.first == 1 }

    /// The same GOPs in the form MP4 and Matroska store: every NAL unit prefixed by its 4-byte
    /// length instead of a start code, the global header as an avcC/hvcC record. Given Annex B,
    /// a muxer scans each frame for start codes and rewrites it (the simulator's largest cost
    /// after I/O); given this form it copies the frame as is.
    ///
    /// libavformat does the conversion itself — the GOPs are muxed into a scratch MP4 in
    /// `scratchDirectory` and read back — so the bytes are exactly those the muxer would have
    /// written from Annex B, and files built from either form are the same.
    public func lengthPrefixed(scratchDirectory: String) throws -> EncodedVideo {
        if isLengthPrefixed { return self }
        let path = (scratchDirectory as NSString).appendingPathComponent(".length-prefixed-\(UUID().uuidString).mp4")
        defer { unlink(path) }
        let writer = try MediaFileWriter(path: path, video: parameters, audio: nil, options: .init(container: .mp4))
        // GOP timestamps restart at each GOP; shifted by the frames before, they rise throughout.
        var start: Int64 = 0
        for gop in gops {
            for packet in gop {
                try writer.write(
                    MediaPacket(
                        data: packet.data, pts: start + packet.pts, dts: start + packet.dts, duration: 1, isKeyframe: packet.isKeyframe),
                    streamIndex: 0)
            }
            start += Int64(gop.count)
        }
        try writer.finish()
        let reader = try PacketReader(path: path)
        guard let stream = reader.streams.first, stream.extradata.first == 1 else {
            throw RemuxError.unsupported("libavformat wrote no avcC/hvcC record for \(parameters.codec)")
        }
        var converted = self
        converted.parameters.extradata = stream.extradata
        for g in gops.indices {
            for p in gops[g].indices {
                guard let read = try reader.next() else { throw RemuxError.invalidInput("the scratch MP4 lost packets") }
                converted.gops[g][p].data = read.data
            }
        }
        guard try reader.next() == nil else { throw RemuxError.invalidInput("the scratch MP4 gained packets") }
        return converted
    }
}
