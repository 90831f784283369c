import Archive
import TSAPI

extension StreamedBytes: MediaByteSource {}

/// A recorder's file as the archive reads it while it downloads.
struct RecorderStream: StreamedMedia {
    let download: StreamedDownload

    var name: String { download.name }
    var md5: String { download.md5 }

    func read<T: Sendable>(_ body: @escaping @Sendable (any MediaByteSource) throws -> T) async throws -> T? {
        try await download.read { bytes in try body(bytes) }
    }
}
