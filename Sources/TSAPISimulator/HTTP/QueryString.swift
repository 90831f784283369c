import Foundation

/// Query parameters as TS-API uses them: bare-key flags (`?caps`), comma lists (`ch=1,2`),
/// percent-encoding (`%2B09:00`). Parsed the same way for REST, sockets and downloads.
public struct QueryString: Sendable {
    private var pairs: [(String, String)]

    public init(_ query: String?) {
        pairs = (query ?? "").split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            return (key, value)
        }
    }

    /// Splits `path?query` as it arrives on the request line.
    public init(uriPath: String) {
        let parts = uriPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(parts.count > 1 ? String(parts[1]) : nil)
    }

    public subscript(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// A flag is on when present bare, or with a value other than false/0.
    public func flag(_ key: String) -> Bool {
        guard let value = self[key] else { return false }
        return !["false", "0", "no"].contains(value.lowercased())
    }

    public func has(_ key: String) -> Bool { self[key] != nil }

    /// `ch=1,2,3` as integers; nil when absent, throws on junk.
    public func channelList(_ key: String = "ch") throws(APIError) -> [Int]? {
        guard let raw = self[key], !raw.isEmpty else { return nil }
        var result: [Int] = []
        for part in raw.split(separator: ",") {
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw APIError.badRequest("Invalid channel: \(part)")
            }
            if !result.contains(n) { result.append(n) }
        }
        return result
    }

    public func int(_ key: String) -> Int? { self[key].flatMap { Int($0) } }
}

func percentDecode(_ s: String) -> String {
    guard s.contains("%") else { return s }
    var bytes: [UInt8] = []
    var iterator = Array(s.utf8).makeIterator()
    while let c = iterator.next() {
        if c == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next(),
            let hi = hexValue(h), let lo = hexValue(l)
        {
            bytes.append(hi << 4 | lo)
        } else {
            bytes.append(c)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `/`, `+`, `..` survive).
func percentEncodeComponent(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        let c = Character(UnicodeScalar(byte))
        if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
            out.append(c)
        } else {
            out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
        }
    }
    return out
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 65...70: return c - 55
    case 97...102: return c - 87
    default: return nil
    }
}
