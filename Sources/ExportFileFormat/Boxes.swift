import Foundation

/// ISO base media file format boxes (ISO/IEC 14496-12), as far as the Export File Format writer
/// and its verifier need them: reading a box's header and children out of bytes in memory, and
/// writing boxes with their sizes filled in.

public struct EFFError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One box: its four-character type and where its header and payload are in the bytes it was
/// read from (offsets relative to those bytes).
public struct Box: Sendable, Hashable {
    public var type: String
    public var offset: Int
    public var size: Int
    public var headerSize: Int
    public var payloadOffset: Int { offset + headerSize }
    public var end: Int { offset + size }
}

extension Box {
    /// The boxes laid end to end in `bytes[range]`. A size of 0 (to the end) is taken as the
    /// rest of the range; a box that does not fit is an error naming it.
    public static func list(in bytes: [UInt8], range: Range<Int>) throws(EFFError) -> [Box] {
        var boxes: [Box] = []
        var at = range.lowerBound
        while at < range.upperBound {
            guard range.upperBound - at >= 8 else { throw EFFError("\(range.upperBound - at) stray bytes at \(at)") }
            var size = Int(bytes.uint32(at))
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            var header = 8
            if size == 1 {
                guard range.upperBound - at >= 16 else { throw EFFError("box '\(type)' at \(at) is cut short") }
                size = Int(bytes.uint64(at + 8))
                header = 16
            } else if size == 0 {
                size = range.upperBound - at
            }
            guard size >= header, at + size <= range.upperBound else {
                throw EFFError("box '\(type)' at \(at) claims \(size) bytes, \(range.upperBound - at) are there")
            }
            boxes.append(Box(type: type, offset: at, size: size, headerSize: header))
            at += size
        }
        return boxes
    }

    /// The children of a container box (`fullBox`: skip its version and flags first).
    public func children(in bytes: [UInt8], fullBox: Bool = false, skip: Int = 0) throws(EFFError) -> [Box] {
        try Box.list(in: bytes, range: (payloadOffset + (fullBox ? 4 : 0) + skip)..<end)
    }
}

extension [Box] {
    public func first(_ type: String) -> Box? { first { $0.type == type } }
    public func all(_ type: String) -> [Box] { filter { $0.type == type } }
}

extension [UInt8] {
    func uint16(_ at: Int) -> UInt16 { UInt16(self[at]) << 8 | UInt16(self[at + 1]) }
    func uint32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 << 8 | UInt32(self[at + $1]) } }
    func uint64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(self[at + $1]) } }
}

/// Big-endian bytes, with boxes whose size is filled in once their content is written.
public struct BoxWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func uint8(_ value: UInt8) { bytes.append(value) }
    public mutating func uint16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
    public mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xff)) }
    }
    public mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((value >> UInt64(shift)) & 0xff)) }
    }
    public mutating func raw(_ data: some Sequence<UInt8>) { bytes += data }
    /// A null-terminated UTF-8 string (ISO 14496-12 `string`).
    public mutating func string(_ text: String) { bytes += Array(text.utf8) + [0] }
    public mutating func fourCC(_ code: String) {
        precondition(code.utf8.count == 4, "a four-character code")
        bytes += Array(code.utf8)
    }

    /// A box of `type` holding what `body` writes; a full box starts with version and flags.
    public mutating func box(_ type: String, version: UInt8? = nil, flags: UInt32 = 0, _ body: (inout BoxWriter) throws -> Void) rethrows {
        let start = bytes.count
        uint32(0)
        fourCC(type)
        if let version { uint32(UInt32(version) << 24 | (flags & 0xff_ffff)) }
        try body(&self)
        let size = UInt32(bytes.count - start)
        for (index, shift) in [24, 16, 8, 0].enumerated() { bytes[start + index] = UInt8((size >> UInt32(shift)) & 0xff) }
    }
}
