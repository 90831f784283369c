/// README.txt of an evidence package: for a recipient who has no tsvault.
enum PackageReadme {
    static func text(_ m: EvidenceManifest) -> String {
        var lines = [
            "EVIDENCE PACKAGE — case \(m.caseID)",
            "",
            "Recorder: \(m.server)    Requested range: \(m.requested.from) to \(m.requested.to) (UTC)",
            "Requested by: \(m.requester)    Reason: \(m.reason)",
            "Extracted: \(m.extractedAt) by \(m.tool)",
            "",
            "FILES"
        ]
        for channel in m.channels {
            lines.append("Channel \(channel.channel)\(channel.title.map { " (\($0))" } ?? ""):")
            if channel.parts.isEmpty { lines.append("  no archived footage in the requested range") }
            for part in channel.parts {
                lines.append(
                    "  \(part.video.file) — \(part.firstFrameLocal) to \(part.endLocal), \(part.frames) frames, \(part.video.size) bytes")
                for subtitle in part.subtitles { lines.append("  \(subtitle.file) — the recorder's date and time for every second") }
            }
            for gap in channel.gaps { lines.append("  GAP (no footage, not bridged): \(gap.from) to \(gap.to) UTC") }
        }
        lines += [
            "",
            "The video files hold the recorder's own compressed frames, copied without re-encoding.",
            "They play in common players (VLC, mpv, browsers). Separate parts mean the recording has a",
            "gap there; nothing was joined across a gap.",
            "",
            "CHECKING THE FILES",
            "1. Hashes: in this directory run",
            "     sha256sum -c SHA256SUMS          (Linux)",
            "     shasum -a 256 -c SHA256SUMS      (macOS)",
            "     Get-FileHash -Algorithm SHA256 FILE   (Windows PowerShell; compare with SHA256SUMS)",
            "   Every line must say OK.",
            "2. manifest.json lists every file's SHA-256 and size, the archived segments each file was",
            "   built from (their SHA-256 and the recorder's md5 of the export they came from), and the",
            "   actual and requested time ranges, including gaps.",
            "3. manifest.json.sig is an Ed25519 signature (base64) of manifest.json by the public key",
            "   \(m.publicKey)",
            "   (hex, also in the manifest). With tsvault: `tsvault evidence verify DIR --public-key KEY`.",
            "   With OpenSSL 3: convert the key to PEM (prefix 302a300506032b6570032100 + key, DER) and run",
            "   `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile sig.bin`",
            "   with sig.bin the base64-decoded signature."
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
