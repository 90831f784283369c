import Crypto
import Foundation

/// An Export File Format file's signing instance as read back: where its signature is, the
/// certificate and algorithm it names, what its `suep` and `cstb` say. Reads the top-level box
/// headers by seeking and the `meta` box whole; the media is only streamed through SHA-256.
public struct SealedFile: Sendable {
    public struct Track: Sendable, Hashable {
        public var id: UInt32
        public var sourceName: String
        public var sourceURL: String
        public var sourceMAC: String
        public var sourceLine: String
    }

    public var metaOffset: Int
    public var metaSize: Int
    /// The signature's bytes in the file.
    public var signatureRange: Range<Int>
    public var signature: [UInt8]
    public var certificateDER: [UInt8]
    public var algorithmIdentifierDER: [UInt8]?
    public var exportUnitName = ""
    public var exportUnitURL = ""
    public var exportTime: Date?
    public var exportOperator = ""
    public var tracks: [Track] = []
    /// The UTC start the `cstb` gives, and for which track.
    public var startTime: (track: UInt32, date: Date)?

    /// Reads the seal of the file at `path`: the last top-level `meta` box, which must be the
    /// last box but for an optional `mfra` (not covered by the signature, as the format says).
    public static func read(path: String) throws(EFFError) -> SealedFile {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw EFFError("cannot read \(path)") }
        defer { try? handle.close() }
        var at = 0
        var boxes: [(type: String, offset: Int, size: Int)] = []
        let end = Int((try? handle.seekToEnd()) ?? 0)
        while at < end {
            try? handle.seek(toOffset: UInt64(at))
            let header = [UInt8](handle.readData(ofLength: 16))
            guard header.count >= 8 else { throw EFFError("\(path): \(end - at) stray bytes at \(at)") }
            var size = Int(header.uint32(0))
            if size == 1, header.count == 16 { size = Int(header.uint64(8)) } else if size == 0 { size = end - at }
            guard size >= 8, at + size <= end else { throw EFFError("\(path): a box at \(at) runs past the end of the file") }
            boxes.append((String(decoding: header[4..<8], as: UTF8.self), at, size))
            at += size
        }
        guard let metaIndex = boxes.lastIndex(where: { $0.type == "meta" }) else {
            throw EFFError("\(path) has no file-level meta box: it is not sealed")
        }
        guard boxes[(metaIndex + 1)...].allSatisfy({ $0.type == "mfra" }) else {
            throw EFFError("\(path) has data after its sealed meta box that the signature does not cover")
        }
        let meta = boxes[metaIndex]
        try? handle.seek(toOffset: UInt64(meta.offset))
        let bytes = [UInt8](handle.readData(ofLength: meta.size))
        var file = try locate(meta: bytes, at: meta.offset)
        file.metaSize = meta.size
        return file
    }

    /// The seal in `meta` (a whole top-level `meta` box) found at `offset` of its file.
    static func locate(meta: [UInt8], at offset: Int) throws(EFFError) -> SealedFile {
        let metaBox = try Box.list(in: meta, range: 0..<meta.count)
        guard let top = metaBox.first("meta") else { throw EFFError("not a meta box") }
        let children = try top.children(in: meta, fullBox: true)
        guard let ipro = children.first("ipro") else { throw EFFError("the meta box has no ipro: the file is not signed") }
        // ipro: full box, then a 16-bit protection_count.
        let sinfs = try ipro.children(in: meta, fullBox: true, skip: 2).all("sinf")
        guard let sinf = sinfs.first else { throw EFFError("the ipro box has no sinf") }
        let inSinf = try sinf.children(in: meta)
        guard let schm = inSinf.first("schm"), meta.uint32(schm.payloadOffset + 4) == ExportSeal.schemeType else {
            throw EFFError("the protection scheme is not the ONVIF Export File Format ('oeff')")
        }
        guard let schi = inSinf.first("schi") else { throw EFFError("the sinf box has no schi") }
        let inSchi = try schi.children(in: meta)
        guard let sibo = inSchi.first("sibo"), let cert = inSchi.first("cert") else {
            throw EFFError("the signing instance has no signature (sibo) or no certificate (cert)")
        }
        var file = SealedFile(
            metaOffset: offset, metaSize: meta.count, signatureRange: (offset + sibo.payloadOffset)..<(offset + sibo.end),
            signature: Array(meta[sibo.payloadOffset..<sibo.end]), certificateDER: Array(meta[cert.payloadOffset..<cert.end]),
            algorithmIdentifierDER: inSchi.first("sigC").map { Array(meta[$0.payloadOffset..<$0.end]) })
        if let cstb = inSchi.first("cstb") ?? inSinf.first("cstb") ?? children.first("cstb"), meta.uint32(cstb.payloadOffset) > 0 {
            let ticks = meta.uint64(cstb.payloadOffset + 8)
            file.startTime = (meta.uint32(cstb.payloadOffset + 4), Date(timeIntervalSince1970: Double(ticks) / 10_000_000 - 11_644_473_600))
        }
        if let suep = children.first("suep") { file.readExport(meta, suep) }
        return file
    }

    private mutating func readExport(_ bytes: [UInt8], _ suep: Box) {
        var at = suep.payloadOffset + 4
        func string() -> String {
            let start = at
            while at < suep.end, bytes[at] != 0 { at += 1 }
            defer { at = min(at + 1, suep.end) }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }
        exportUnitName = string()
        exportUnitURL = string()
        _ = string()
        guard at + 8 <= suep.end else { return }
        exportTime = Date(timeIntervalSince1970: Double(bytes.uint64(at)) - 2_082_844_800)
        at += 8
        exportOperator = string()
        guard at + 4 <= suep.end else { return }
        let count = Int(bytes.uint32(at))
        at += 4
        for _ in 0..<count where at + 2 <= suep.end {
            let id = UInt32(bytes.uint16(at))
            at += 2
            tracks.append(Track(id: id, sourceName: string(), sourceURL: string(), sourceMAC: string(), sourceLine: string()))
        }
    }

    /// SHA-256 of the file with the signature's bytes zeroed, up to the end of the meta box:
    /// what the signature signs.
    public func signedDigest(path: String) throws(EFFError) -> SHA256Digest {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw EFFError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var at = 0
        let end = metaOffset + metaSize
        while at < end {
            let chunk = [UInt8](handle.readData(ofLength: min(1 << 20, end - at)))
            guard !chunk.isEmpty else { throw EFFError("\(path) ended at \(at), before its meta box did") }
            var bytes = chunk
            let (low, high) = (max(at, signatureRange.lowerBound), min(at + chunk.count, signatureRange.upperBound))
            if low < high { for index in low..<high { bytes[index - at] = 0 } }
            hasher.update(data: bytes)
            at += chunk.count
        }
        return hasher.finalize()
    }
}
