import ArgumentParser
import Evidence
import Foundation

struct EvidenceInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Make or bring the identity that signs evidence clips (ONVIF Export File Format).",
        discussion: """
            Without --key: a new 3072-bit RSA key and a self-signed X.509 certificate for --subject, \
            valid 10 years. With --key and --chain: the operator's RSA key (PEM, readable by its owner \
            only) and its certificate chain (PEM, the key's certificate first), e.g. from the site's own \
            CA. Stored as keys/clip-signing.key (0600) and keys/clip-signing-chain.pem in the archive; an \
            existing identity is never replaced (move it away first). Prints the certificate's SHA-256, \
            which every package's manifest names. Exit codes: 0 made, 65 a key or chain that cannot be \
            used (the reason is printed), 74 the archive cannot be read or written.
            """)

    @OptionGroup var archive: ArchiveOptions
    @Option(help: "The certificate's common name (default: tsvault evidence HOST).") var subject: String?
    @Option(help: "The operator's RSA private key (PEM).") var key: String?
    @Option(help: "The operator's certificate chain (PEM, the key's certificate first).") var chain: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard (key == nil) == (chain == nil) else { throw ValidationError("--key and --chain go together") }
        if key != nil, subject != nil { throw ValidationError("--subject is for a new self-signed certificate, not with --key") }
    }

    func run() throws {
        let root = try archive.open().root
        let identity: ClipSigningIdentity
        do {
            if let key, let chain {
                identity = try ClipSigningIdentity.importFiles(archiveRoot: root, keyFile: key, chainFile: chain)
            } else {
                identity = try ClipSigningIdentity.create(
                    archiveRoot: root, subject: subject ?? "tsvault evidence \(ProcessInfo.processInfo.hostName)")
            }
        } catch let error as EvidenceError {
            FileHandle.standardError.write(Data("tsvault evidence init: \(error)\n".utf8))
            throw ExitStatus.dataError
        }
        let result = Result(
            certificateSHA256: try identity.certificateSHA256, subject: identity.subject,
            keyBits: identity.privateKey.keySizeInBits, chainLength: identity.chain.count,
            key: ClipSigningIdentity.keyPath(archiveRoot: root), chain: ClipSigningIdentity.chainPath(archiveRoot: root))
        if json {
            try printJSON(result)
        } else {
            print("clip-signing certificate \(result.subject), RSA \(result.keyBits) bits, SHA-256 \(result.certificateSHA256)")
            print("key \(result.key), chain \(result.chain) (\(result.chainLength) certificate(s))")
        }
    }

    struct Result: Encodable {
        var certificateSHA256: String
        var subject: String
        var keyBits: Int
        var chainLength: Int
        var key: String
        var chain: String
    }
}
