/// tsvault's version, in one place: `tsvault --version`, the evidence manifest's `tool`,
/// `tsvault_build_info` and the Debian package (Scripts/package-deb.sh reads it from here).
/// In the archive module because every other module builds on it.
public enum TSVaultVersion {
    public static let current = "0.3.0"
}
