import Foundation
import TestSupport
import Testing

/// `tsvault evidence init`: a self-signed identity, the operator's own, and what is refused.
@Suite(.timeLimit(.minutes(5))) struct EvidenceInitCommandTests {
    @Test func aSelfSignedIdentityIsMadeOnceAndAnOperatorsKeyMustBeOwnerOnlyAndMatchItsCertificate() async throws {
        try await CLI.workspace("evidence-init") { work in
            _ = try await CLI.syntheticArchive(in: work)
            let archive = work + "/archive"
            let made = try CLI.run("evidence", "init", "--subject", "Site 7 evidence", "--archive", archive)
            #expect(made.status == 0 && made.output.contains("CN=Site 7 evidence") && made.output.contains("RSA 3072 bits"), "\(made)")
            let mode = try FileManager.default.attributesOfItem(atPath: archive + "/keys/clip-signing.key")[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let again = try CLI.run("evidence", "init", "--archive", archive)
            #expect(again.status == 65 && again.errors.contains("exists; move it away first"), "\(again)")

            // The operator's key and chain (here: OpenSSL's own, as a site CA would hand them over).
            let key = work + "/site.key"
            let chain = work + "/site-chain.pem"
            let openssl = try ShellScript.run(
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(key) -out \(chain) -subj /CN=site-ca-issued -days 30 2>/dev/null",
                in: work)
            #expect(openssl.status == 0, "\(openssl.output)")
            chmod(key, 0o644)
            try FileManager.default.moveItem(atPath: archive + "/keys/clip-signing.key", toPath: work + "/old.key")
            let refused = try CLI.run("evidence", "init", "--key", key, "--chain", chain, "--archive", archive)
            #expect(refused.status == 65 && refused.errors.contains("chmod 600"), "\(refused)")
            chmod(key, 0o600)
            let brought = try CLI.run("evidence", "init", "--key", key, "--chain", chain, "--archive", archive, "--json")
            #expect(brought.status == 0 && brought.output.contains("site-ca-issued") && !brought.output.contains("PRIVATE"), "\(brought)")
        }
    }
}
