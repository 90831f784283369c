import Foundation

/// Files of this checkout (docs, schemas, scripts, shipped configuration) that tests read or run.
public enum Repository {
    /// The checkout's root: this file is Sources/TestSupport/Repository.swift.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `relative` (`docs/schemas/run-report.schema.json`) inside the checkout.
    public static func path(_ relative: String) -> String { root + "/" + relative }
}
