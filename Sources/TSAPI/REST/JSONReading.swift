import Foundation

/// Tolerant reading of the recorder's JSON. The reference documents several shapes for the
/// same answer (§8), so the client reads loosely typed values and names what it expected
/// when something is missing.
struct JSONReader: Sendable {
    let server: String
    let path: String

    func parse(_ bytes: [UInt8]) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw TSAPIError.malformedResponse(
                server: server, path: path, detail: "not JSON: \(String(decoding: bytes.prefix(120), as: UTF8.self))")
        }
    }

    func object(_ value: Any?, _ what: String) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw malformed("expected an object for \(what)") }
        return object
    }

    func array(_ value: Any?, _ what: String) throws -> [Any] {
        guard let array = value as? [Any] else { throw malformed("expected an array for \(what)") }
        return array
    }

    func malformed(_ detail: String) -> TSAPIError {
        .malformedResponse(server: server, path: path, detail: detail)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// An integer field that may arrive as a number or a numeric string.
    func int(_ key: String) -> Int? {
        switch self[key] {
        case let n as Int: return n
        case let n as Double: return Int(exactly: n)
        case let s as String: return Int(s)
        default: return nil
        }
    }

    func string(_ key: String) -> String? {
        switch self[key] {
        case let s as String: return s
        case let n as Int: return String(n)
        default: return nil
        }
    }

    func bool(_ key: String) -> Bool? { self[key] as? Bool }
}
