import Foundation
import Logging

/// The files of one `fileEnd`, downloaded and verified, handed to the caller before `next`.
public struct ExportedFileSet: Sendable {
    public var channel: Int
    public var fid: Int
    public var files: [DownloadedFile]
    /// The video, not downloaded yet, when the driver streams videos (`streamsVideo`): the
    /// caller reads it (or downloads it whole) before returning.
    public var stream: StreamedDownload?
    public var video: DownloadedFile? { files.first { !DownloadEntry(fileName: $0.advertisedName, src: "").isSubtitle } }
    public var subtitle: DownloadedFile? { files.first { DownloadEntry(fileName: $0.advertisedName, src: "").isSubtitle } }
}

/// What one export session did.
public struct ExportOutcome: Sendable {
    public var taskID: String?
    /// True when the recorder answered ready -1: nothing recorded in the window.
    public var noData = false
    public var fileSets = 0
    public var bytes: Int64 = 0
    public var skippedChannels: [Int] = []
    public var waitsSent = 0
    public var resumes = 0
    /// Malformed messages and unknown stages that were logged and ignored, as typed errors
    /// with their context, for the run report.
    public var anomalies: [TSAPIError] = []
}

/// Drives one export session to the end (§6.9): downloads each file while keeping the task
/// alive with `wait`, hands verified files to the caller, and sends `next` only after the
/// caller returns (its confirmation that the files are durable).
public struct ExportDriver: Sendable {
    public let client: TSAPIClient
    public let zone: RecorderTimeZone
    /// Counts downloaded bytes as they arrive, for live progress.
    public let meter: TransferMeter?
    /// Hands an MP4 video with an md5 over as a `StreamedDownload` to read while it arrives,
    /// instead of downloading it first (subtitles are still downloaded, before it).
    public let streamsVideo: Bool

    public init(client: TSAPIClient, zone: RecorderTimeZone, meter: TransferMeter? = nil, streamsVideo: Bool = false) {
        self.client = client
        self.zone = zone
        self.meter = meter
        self.streamsVideo = streamsVideo
    }

    /// Runs `request`, downloading into `directory`. `onFiles` must make the files durable
    /// (or copy them away) before it returns; the recorder deletes them on `next`. Throws a
    /// `TSAPIError` for every way the session can fail.
    public func run(
        _ request: ExportRequest, into directory: String,
        onFiles: @escaping @Sendable (ExportedFileSet) async throws -> Void
    ) async throws -> ExportOutcome {
        var attempts = 0
        while true {
            let used = try await client.auth.current()
            do {
                return try await session(request, into: directory, onFiles: onFiles)
            } catch TSAPIError.unauthorized(_, let path) where path == client.settings.dialect.exportSocketPath && attempts < 3 {
                // An access token that expired before the upgrade: refresh and reconnect (an
                // API key answers false here, and the 401 stands).
                attempts += 1
                guard try await client.auth.recover(from: used) else {
                    throw TSAPIError.unauthorized(server: client.settings.name, path: path)
                }
            }
        }
    }

    private func session(
        _ request: ExportRequest, into directory: String,
        onFiles: @escaping @Sendable (ExportedFileSet) async throws -> Void
    ) async throws -> ExportOutcome {
        let server = client.settings.name
        let downloader = Downloader(client: client, meter: meter)
        return try await client.withExportConnection(request, zone: zone) { connection in
            var outcome = ExportOutcome()
            var lastMalformed: TSAPIError?
            for try await item in connection.events {
                let event: ExportEvent
                switch item {
                case .malformed(let error):
                    client.logger.warning("malformed export message ignored", metadata: ["server": "\(server)", "error": "\(error)"])
                    outcome.anomalies.append(error)
                    lastMalformed = error
                    continue
                case .message(let message):
                    event = message
                }
                switch event {
                case .ready(let code, let message, let task):
                    if code == -1 {
                        outcome.noData = true
                        return outcome
                    }
                    guard code == 0, let task else { throw TSAPIError.exportRejected(server: server, code: code, message: message) }
                    outcome.taskID = task.id
                case .fileEnd(let fileEnd):
                    guard let task = outcome.taskID else {
                        throw TSAPIError.malformedMessage(server: server, context: "fileEnd before ready", text: "")
                    }
                    try await handle(
                        fileEnd, task: task, connection: connection, downloader: downloader,
                        directory: directory, outcome: &outcome, onFiles: onFiles)
                    connection.send(.next, task: task)
                    outcome.fileSets += 1
                case .timeoutAlert:
                    // Seen only between files (during downloads the ticker keeps the task
                    // alive). The recorder is waiting on a file we never heard of: its
                    // fileEnd was the garbled message. Nothing can fetch it; give up now.
                    if let lastMalformed, let task = outcome.taskID {
                        connection.send(.cancel, task: task)
                        throw lastMalformed
                    }
                case .channelSkip(let channel):
                    if let channel { outcome.skippedChannels.append(channel) }
                case .end(let code, let message):
                    guard code == 0 else {
                        // A session that died after a garbled message most likely died of it.
                        if code == -1004, let lastMalformed { throw lastMalformed }
                        throw TSAPIError.exportEnded(server: server, code: code, message: message)
                    }
                    return outcome
                case .error(let message):
                    throw TSAPIError.exportServerError(server: server, message: message)
                case .unknown(let stage):
                    client.logger.info("unknown export stage ignored", metadata: ["server": "\(server)", "stage": "\(stage)"])
                    outcome.anomalies.append(.unknownStage(server: server, stage: stage))
                case .begin, .channelBegin, .fileBegin, .fileWriting, .channelEnd:
                    continue
                }
            }
            if let lastMalformed { throw lastMalformed }
            throw TSAPIError.socketClosed(server: server, context: "before the end message\(outcome.taskID.map { " of task \($0)" } ?? "")")
        }
    }

    /// Downloads every entry of `fileEnd` and hands the set to the caller, while a ticker
    /// sends `wait` at min(ttl/3, 5 s): the recorder keeps the task alive until the files are
    /// durable on our side, however long downloading and archiving take.
    private func handle(
        _ fileEnd: FileEnd, task: String, connection: ExportConnection, downloader: Downloader,
        directory: String, outcome: inout ExportOutcome,
        onFiles: @escaping @Sendable (ExportedFileSet) async throws -> Void
    ) async throws {
        let interval = Duration.milliseconds(max(20, min(fileEnd.ttlMilliseconds / 3, 5_000)))
        let (transfers, waits) = try await withThrowingTaskGroup(of: Int?.self) { group -> ([TransferFacts], Int) in
            group.addTask {
                var sent = 0
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { break }
                    connection.send(.wait, task: task)
                    sent += 1
                }
                return sent
            }
            var files: [DownloadedFile] = []
            var stream: StreamedDownload?
            do {
                for entry in fileEnd.downloads {
                    if streamsVideo, stream == nil, StreamedDownload.streamable(entry) {
                        stream = try StreamedDownload(entry: entry, downloader: downloader)
                    } else {
                        files.append(try await downloader.download(entry, into: directory))
                    }
                }
            } catch {
                group.cancelAll()
                for file in files { unlink(file.path) }
                throw error
            }
            do {
                try await onFiles(ExportedFileSet(channel: fileEnd.channel, fid: fileEnd.fid, files: files, stream: stream))
            } catch {
                group.cancelAll()
                connection.send(.cancel, task: task)
                throw error
            }
            group.cancelAll()
            var waits = 0
            for try await count in group { waits += count ?? 0 }
            let streamed = stream?.transferred.map { [$0] } ?? []
            return (files.map { TransferFacts(size: $0.size, resumes: $0.resumes) } + streamed, waits)
        }
        outcome.waitsSent += waits
        outcome.resumes += transfers.reduce(0) { $0 + $1.resumes }
        outcome.bytes += transfers.reduce(0) { $0 + $1.size }
    }
}
