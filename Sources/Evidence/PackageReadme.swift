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
        lines += sealLines(m)
        return lines.joined(separator: "\n") + "\n"
    }

    /// How to check each sealed clip with OpenSSL alone (and dd, cp): the commands are run as
    /// written by the package tests.
    static func sealLines(_ m: EvidenceManifest) -> [String] {
        let sealed = m.channels.flatMap(\.parts).filter { $0.seal != nil }
        guard let chain = m.clipSigningChain, let certificate = m.clipCertificateSHA256, !sealed.isEmpty else { return [] }
        var lines = [
            "4. Every .mp4 clip is an ONVIF Export File Format file (IEC 62676-2-32): its last box holds a",
            "   signature (RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt length 32) over the whole file with",
            "   the signature's own bytes set to zero, and the signer's certificate, which is the first",
            "   certificate of \(chain.file) (DER SHA-256 \(certificate)). Players that know the",
            "   format, such as ONVIF's reference player, check it themselves. With OpenSSL alone, in this",
            "   directory (each clip must print \"Verified OK\"):",
            "",
            "     openssl x509 -in \(chain.file) -outform DER | sha256sum     # must print \(certificate)",
            "     openssl x509 -in \(chain.file) -pubkey -noout > clip-key.pem"
        ]
        for part in sealed {
            guard let seal = part.seal else { continue }
            let clip = part.video.file
            lines += [
                "     dd if=\(clip) of=clip.sig bs=1 skip=\(seal.signatureOffset) count=\(seal.signatureLength) status=none",
                "     cp \(clip) clip.zeroed && dd if=/dev/zero of=clip.zeroed bs=1 seek=\(seal.signatureOffset) count=\(seal.signatureLength) conv=notrunc status=none",
                "     openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify clip-key.pem -signature clip.sig clip.zeroed"
            ]
        }
        lines += ["", "   With tsvault: `tsvault evidence verify DIR` checks every clip's signature as well."]
        return lines
    }
}
