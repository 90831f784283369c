/// Turns a file name chosen by the recorder into one that is safe to create in a directory
/// of ours. Names that try to leave the directory are refused outright (a recorder sending
/// `../x` is broken or hostile); merely awkward names are cleaned.
public enum SafeFileName {
    public static let maxBytes = 180

    public static func make(_ name: String, server: String) throws -> String {
        let refused =
            name.isEmpty || name.contains("/") || name.contains("\\") || name.contains("\0")
            || name == "." || name == ".." || name.hasPrefix("..") || name.hasPrefix("~")
            || name.first.map { $0 == ":" } == true || (name.count >= 2 && Array(name)[1] == ":")
        guard !refused else { throw TSAPIError.hostileFileName(server: server, name: name) }
        // Control characters become '_'; a leading dot would hide the file.
        var cleaned = String(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "_" : Character($0) })
        if cleaned.hasPrefix(".") { cleaned = "_" + cleaned.dropFirst() }
        return truncated(cleaned)
    }

    /// Keeps the extension and cuts the stem so the UTF-8 name fits in `maxBytes`.
    static func truncated(_ name: String) -> String {
        guard name.utf8.count > maxBytes else { return name }
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { String(name[$0...]) } ?? ""
        var stem = String(dot.map { name[..<$0] } ?? name[...])
        while stem.utf8.count + ext.utf8.count > maxBytes, !stem.isEmpty { stem.removeLast() }
        return stem + (ext.utf8.count < maxBytes ? ext : "")
    }
}
