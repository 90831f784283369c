import Crypto
import Foundation

/// What the file-level `meta` box of an Export File Format clip says (ONVIF Export File Format,
/// `suep` version 1 and the `ipro` signing instance), and how it is signed.
public struct ExportSeal: Sendable {
    /// Where one track's footage came from (`suep` entry).
    public struct Source: Sendable, Hashable {
        public var name: String
        public var url: String
        public var mac: String
        /// The input line (channel) of a multi-channel recorder.
        public var line: String

        public init(name: String, url: String, mac: String = "", line: String) {
            self.name = name
            self.url = url
            self.mac = mac
            self.line = line
        }
    }

    public var exportUnitName: String
    public var exportUnitURL: String
    public var exportUnitMAC: String
    /// When the export started.
    public var exportTime: Date
    public var exportOperator: String
    /// The same source for every track of a clip: a camera and its microphone are one channel.
    public var source: Source
    /// The signer's X.509 certificate, DER.
    public var certificateDER: [UInt8]
    /// The signature's length in bytes (the RSA modulus').
    public var signatureLength: Int
    /// The signature algorithm when it is not the format's default (`sigC`), DER.
    public var algorithmIdentifierDER: [UInt8]?
    /// Signs the SHA-256 of the file whose signature bytes are zero.
    public var sign: @Sendable (SHA256Digest) throws -> [UInt8]

    public init(
        exportUnitName: String, exportUnitURL: String, exportUnitMAC: String = "", exportTime: Date, exportOperator: String,
        source: Source, certificateDER: [UInt8], signatureLength: Int, algorithmIdentifierDER: [UInt8]?,
        sign: @escaping @Sendable (SHA256Digest) throws -> [UInt8]
    ) {
        self.exportUnitName = exportUnitName
        self.exportUnitURL = exportUnitURL
        self.exportUnitMAC = exportUnitMAC
        self.exportTime = exportTime
        self.exportOperator = exportOperator
        self.source = source
        self.certificateDER = certificateDER
        self.signatureLength = signatureLength
        self.algorithmIdentifierDER = algorithmIdentifierDER
        self.sign = sign
    }

    /// `oeff`, version 1.0: the scheme of a signing instance.
    static let schemeType: UInt32 = 0x6F65_6666
    static let schemeVersion: UInt32 = 0x0001_0000

    /// The `meta` box with `signature` in its `sibo` (zeros to compute what is signed).
    func metaBox(tracks: [UInt32], startTime: Date, signature: [UInt8]) -> [UInt8] {
        precondition(signature.count == signatureLength, "the signature fills its box exactly")
        var w = BoxWriter()
        w.box("meta", version: 0) { meta in
            meta.box("hdlr", version: 0) { hdlr in
                hdlr.uint32(0)
                hdlr.fourCC("null")
                for _ in 0..<3 { hdlr.uint32(0) }
                hdlr.string("ONVIF Export File Format")
            }
            meta.box("suep", version: 1) { suep in
                suep.string(exportUnitName)
                suep.string(exportUnitURL)
                suep.string(exportUnitMAC)
                suep.uint64(Self.iso1904Seconds(exportTime))
                suep.string(exportOperator)
                suep.uint32(UInt32(tracks.count))
                for track in tracks {
                    suep.uint16(UInt16(track))
                    suep.string(source.name)
                    suep.string(source.url)
                    suep.string(source.mac)
                    suep.string(source.line)
                }
            }
            meta.box("ipro", version: 0) { ipro in
                ipro.uint16(1)
                ipro.box("sinf") { sinf in
                    sinf.box("schm", version: 0) { schm in
                        schm.uint32(Self.schemeType)
                        schm.uint32(Self.schemeVersion)
                    }
                    sinf.box("schi") { schi in
                        schi.box("sibo") { $0.raw(signature) }
                        schi.box("cert") { $0.raw(certificateDER) }
                        if let algorithmIdentifierDER { schi.box("sigC") { $0.raw(algorithmIdentifierDER) } }
                        // In schi, where ONVIF's reference player reads it (the format's text
                        // also allows sinf and meta).
                        // Every track's media time 0 is the same instant: the clip's timeline.
                        schi.box("cstb") { cstb in
                            cstb.uint32(UInt32(tracks.count))
                            for track in tracks {
                                cstb.uint32(track)
                                cstb.uint64(Self.fileTime(startTime))
                            }
                        }
                    }
                }
            }
        }
        return w.bytes
    }

    /// Seconds since 1904-01-01 UTC (ISO 14496-12 times).
    static func iso1904Seconds(_ date: Date) -> UInt64 { UInt64(max(0, date.timeIntervalSince1970 + 2_082_844_800)) }

    /// 100-nanosecond intervals since 1601-01-01 UTC (`cstb`).
    static func fileTime(_ date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 + 11_644_473_600) * 10_000_000).rounded())
    }
}
