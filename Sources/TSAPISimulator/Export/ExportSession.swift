import Foundation
import Logging
import NIOCore
import NIOPosix
import WSCore

/// Which export socket a session serves: `/wsapi/v1/export`, or the legacy API's
/// `/wsapi/dataExport`, whose messages differ only in form — times with milliseconds and
/// offset, `timeoutAlert` under `request`, file names `CH1.2018-07-27T09.11.19.mp4`.
enum ExportDialect: Sendable { case v1, legacy }

/// One export task on `/wsapi/v1/export` (or `/wsapi/dataExport`), following §6.3: ready →
/// begin → per channel (channelSkip | channelBegin → per file fileBegin → fileWriting* →
/// fileEnd → wait for next/wait/cancel → channelEnd) → end. Exactly one file is outstanding
/// at a time.
struct ExportSession {
    let state: SimulatorState
    let request: ExportRequest
    let taskID: String
    let outbound: WebSocketOutboundWriter
    let mailbox: CommandMailbox
    let channel: any Channel
    let logger: Logger
    /// Faults armed for this session, taken once when it starts.
    let faults: SessionFaults
    /// Scheme and host for download links, from the upgrade request.
    let downloadBase: String
    let dialect: ExportDialect
    private var sent = 0
    private var filesDone = 0
    private var totalFiles = 0

    struct SessionFaults: Sendable {
        var dropAfter: Int?
        var stallAfter: Int?
        var malformedAfter: Int?
        var errorAfter: Int?
        var hostileName: Int?
        var ttl: Int?
        var diskFullAfterFiles: Int?
    }

    /// Why a session stopped early; every path deletes the task's files.
    enum Stop: Error { case dropped, clientGone, finished }

    init(
        state: SimulatorState, request: ExportRequest, taskID: String, outbound: WebSocketOutboundWriter,
        mailbox: CommandMailbox, channel: any Channel, logger: Logger, faults: SessionFaults, downloadBase: String,
        dialect: ExportDialect = .v1
    ) {
        self.downloadBase = downloadBase
        self.dialect = dialect
        self.state = state
        self.request = request
        self.taskID = taskID
        self.outbound = outbound
        self.mailbox = mailbox
        self.channel = channel
        self.logger = logger
        self.faults = faults
    }

    // MARK: running

    mutating func run() async {
        do {
            try await runStages()
        } catch Stop.dropped {
            channel.close(mode: .all, promise: nil)
        } catch {
            logger.debug("export task ended", metadata: ["task": "\(taskID)", "reason": "\(error)"])
        }
        await state.tasks.close(task: taskID)
    }

    private mutating func runStages() async throws {
        let now = state.clock.now
        let perChannel = request.channels.map { chid in
            (
                chid,
                ExportFilePlan.plan(
                    recordings: state.schedule.recordings(channel: chid, in: request.span, now: now),
                    gopSeconds: Int64(state.config.gopSeconds), gapMode: state.config.gapMode, mediaSize: request.mediaSize,
                    gopBytes: { state.builder.gopBytes(channel: chid, gopIndex: $0) })
            )
        }
        totalFiles = perChannel.reduce(0) { $0 + $1.1.count }
        if try await sendReady(hasData: totalFiles > 0) == false { return }
        let directory = try await state.tasks.open(task: taskID)
        try await send(stage("begin"))
        for (chid, files) in perChannel {
            if files.isEmpty {
                try await send(stage("channelSkip", channel: channelJSON(chid, progress: 0)))
                continue
            }
            try await send(stage("channelBegin", channel: channelJSON(chid, progress: 0)))
            for (index, plan) in files.enumerated() {
                if let limit = faults.diskFullAfterFiles, filesDone >= limit {
                    try await sendEnd(code: -1001, message: "Not enough space to save")
                    return
                }
                guard try await exportFile(chid, plan, index: index, of: files.count, in: directory) else { return }
            }
            try await send(stage("channelEnd", channel: channelJSON(chid, progress: 100)))
        }
        try await sendEnd(code: 0, message: "Success")
    }

    /// Sends `ready`; false when the task ends there.
    private mutating func sendReady(hasData: Bool) async throws -> Bool {
        let (code, message): (Int, String) =
            state.config.exportLicensed == false
            ? (-4, "Export not available")
            : hasData ? (0, "Success") : (-1, "No recorded data")
        var task: [(String, JSONValue)] = [
            ("id", .string(taskID)), ("ch", .array(request.channels.map { .int($0) })),
            (
                "timeRange",
                .array([
                    .string(state.time.formatLocalWithOffset(request.begin.seconds)),
                    .string(state.time.formatLocalWithOffset(request.end.seconds))
                ])
            ),
            ("mediaSize", .int(request.mediaSize))
        ]
        if let echo = request.subtitleEcho { task.append(("subtitleFormat", .string(echo))) }
        if let lang = request.language { task.append(("language", .string(lang))) }
        try await send(.object([("stage", .string("ready")), ("status", statusJSON(code, message)), ("task", .object(task))]))
        return code == 0
    }

    /// Produces one file, publishes it and waits for the client; false when the task ended.
    private mutating func exportFile(
        _ chid: Int, _ plan: ExportFilePlan, index: Int, of count: Int, in directory: String
    ) async throws -> Bool {
        let fid = filesDone
        let base = state.builder.baseName(
            channel: chid, start: plan.firstGOP * Int64(state.config.gopSeconds),
            naming: dialect == .legacy ? .legacy : state.config.fileNaming)
        let advertised = advertisedName(base + "." + state.builder.container.fileExtension)
        try await send(
            stage(
                "fileBegin",
                channel: channelJSON(
                    chid, progress: index * 100 / count,
                    file: .object([("fid", .int(fid)), ("name", .string(advertised))]))))
        var published = try await produce(
            chid, plan, fid: fid, base: base, advertised: advertised, directory: directory,
            progress: index * 100 / count)
        if let event = mailbox.poll(), event == .closed || event == .command(.cancel) {
            return try await finishEarly(event)
        }
        filesDone += 1
        let ttl = faults.ttl ?? state.config.exportTTLMilliseconds
        if await state.faults.take(.wrongMD5) != nil, published[0].md5 != nil { published[0].md5 = String(repeating: "0", count: 32) }
        for file in published { await state.tasks.publish(task: taskID, file) }
        try await send(
            stage(
                "fileEnd",
                channel: channelJSON(
                    chid, progress: (index + 1) * 100 / count,
                    file: .object([
                        ("fid", .int(fid)), ("ttl", .int(ttl)), ("download", .array(published.map(downloadJSON)))
                    ]))))
        return try await awaitClient(ttl: ttl)
    }

    /// Builds the files off the cooperative pool, sending `fileWriting` every statusInterval.
    private mutating func produce(
        _ chid: Int, _ plan: ExportFilePlan, fid: Int, base: String, advertised: String,
        directory: String, progress: Int
    ) async throws -> [ExportedFile] {
        let build: @Sendable () throws -> [ExportedFile] = { [state, request] in
            let started = Date()
            let videoPath = (directory as NSString).appendingPathComponent("f\(fid).\(state.builder.container.fileExtension)")
            try state.builder.writeVideo(channel: chid, plan: plan, to: videoPath)
            var files = [try Self.describe(path: videoPath, name: advertised, md5: request.md5)]
            if let format = request.subtitle {
                let path = (directory as NSString).appendingPathComponent("f\(fid).\(format.rawValue)")
                try state.builder.writeSubtitle(format, channel: chid, plan: plan, to: path)
                let name = (advertised as NSString).deletingPathExtension + "." + format.rawValue
                files.append(try Self.describe(path: path, name: name, md5: request.md5))
            }
            let remaining = Double(state.config.fileWriteMilliseconds) / 1000 - Date().timeIntervalSince(started)
            if remaining > 0 { Thread.sleep(forTimeInterval: remaining) }
            return files
        }
        guard let interval = request.statusIntervalMilliseconds else {
            return try await NIOThreadPool.singleton.runIfActive(build)
        }
        return try await withThrowingTaskGroup(of: [ExportedFile]?.self) { group in
            group.addTask { try await NIOThreadPool.singleton.runIfActive(build) }
            var ticks = 0
            while true {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(interval))
                    return nil
                }
                // Either the build finished, or one more status interval passed without it.
                if case let files?? = try await group.next() {
                    group.cancelAll()
                    return files
                }
                ticks += 1
                try await send(
                    stage(
                        "fileWriting",
                        channel: channelJSON(
                            chid, progress: progress,
                            file: .object([
                                ("fid", .int(fid)), ("name", .string(advertised)), ("elapsed", .string("\(ticks * interval)ms"))
                            ]))))
            }
        }
    }

    static func describe(path: String, name: String, md5 wanted: Bool) throws -> ExportedFile {
        if wanted {
            let (size, md5) = try FileDigest.sizeAndMD5(path)
            return ExportedFile(name: name, path: path, size: size, md5: md5)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return ExportedFile(name: name, path: path, size: size, md5: nil)
    }

    /// After fileEnd: `wait` buys another ttl, `next` deletes the file and goes on, `cancel`
    /// ends with -1003; silence brings `timeoutAlert` shortly before the ttl runs out, then -1004.
    private mutating func awaitClient(ttl: Int) async throws -> Bool {
        var deadline = Date().addingTimeInterval(Double(ttl) / 1000)
        var alerted = false
        let alertLead = min(2000, ttl / 2)
        while true {
            let untilDeadline = Int(deadline.timeIntervalSinceNow * 1000)
            let wake = alerted ? untilDeadline : untilDeadline - alertLead
            switch await mailbox.receive(withinMilliseconds: wake) {
            case .command(.wait)?:
                deadline = Date().addingTimeInterval(Double(ttl) / 1000)
                alerted = false
            case .command(.next)?:
                await state.tasks.deleteFiles(task: taskID)
                return true
            case .command(.unknown(let name))?:
                logger.debug("ignoring unknown export command", metadata: ["cmd": "\(name)"])
            case let event?:
                return try await finishEarly(event)
            case nil where !alerted:
                alerted = true
                let left = max(0, Int(deadline.timeIntervalSinceNow * 1000))
                let key = dialect == .legacy ? "request" : state.config.timeoutAlertKey
                try await send(.object([(key, .string("timeoutAlert")), ("ttl", .int(left))]))
            case nil:
                try await sendEnd(code: -1004, message: "Terminated by timeout")
                return false
            }
        }
    }

    private mutating func finishEarly(_ event: CommandMailbox.Event) async throws -> Bool {
        if event == .command(.cancel) { try await sendEnd(code: -1003, message: "Cancelled by the client") }
        throw Stop.clientGone
    }

    // MARK: messages

    private func advertisedName(_ name: String) -> String {
        switch faults.hostileName {
        case nil: return name
        case 1?: return "/tmp/" + name
        default: return "../../" + name
        }
    }

    private func downloadJSON(_ file: ExportedFile) -> JSONValue {
        let src = "\(downloadBase)/download/\(taskID)/\(percentEncodeComponent(file.name))"
        var fields: [(String, JSONValue)] = [("fileName", .string(file.name)), ("src", .string(src))]
        if let md5 = file.md5 { fields.append(("md5", .string(md5))) }
        return .object(fields)
    }

    private var overallProgress: String {
        totalFiles == 0 ? "0%" : "\(min(100, filesDone * 100 / totalFiles))%"
    }

    private func stage(_ name: String, channel: JSONValue? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("stage", .string(name)), ("overallProgress", .string(overallProgress)),
            ("timestamp", .string(timestamp))
        ]
        if let channel { fields.append(("channel", channel)) }
        return .object(fields)
    }

    /// The recorder's clock now: `2026-11-25T10:00:00` (v1), `2026-11-25T10:00:00.000+09:00` (legacy).
    private var timestamp: String {
        dialect == .legacy ? state.time.formatLocalWithOffset(state.clock.now) : state.time.formatLocal(state.clock.now)
    }

    private func channelJSON(_ chid: Int, progress: Int, file: JSONValue? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [("chid", .int(chid)), ("progress", .string("\(progress)%"))]
        if let file { fields.append(("file", file)) }
        return .object(fields)
    }

    /// Sends nothing more; ends when the client closes (or after 10 minutes, so a client that
    /// never gives up cannot hold the simulator forever).
    private func stallUntilClientLeaves() async throws -> Never {
        let until = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < until, !Task.isCancelled {
            if await mailbox.receive(withinMilliseconds: 1000) == .closed { break }
        }
        throw Stop.clientGone
    }

    private func statusJSON(_ code: Int, _ message: String) -> JSONValue {
        .object([("code", .int(code)), ("message", .string(message))])
    }

    private mutating func sendEnd(code: Int, message: String) async throws {
        var fields: [(String, JSONValue)] = [("stage", .string("end")), ("overallProgress", .string(code == 0 ? "100%" : overallProgress))]
        fields += [("timestamp", .string(timestamp)), ("status", statusJSON(code, message))]
        try await send(.object(fields))
    }

    /// Sends one message, applying the session's message-count faults first.
    private mutating func send(_ message: JSONValue) async throws {
        if let n = faults.dropAfter, sent >= n { throw Stop.dropped }
        if let n = faults.stallAfter, sent >= n { try await stallUntilClientLeaves() }
        if let n = faults.errorAfter, sent == n {
            sent += 1
            try await outbound.write(
                .text(JSONValue.object([("stage", .string("error")), ("message", .string("Internal export error (injected)"))]).render()))
            throw Stop.finished
        }
        if let n = faults.malformedAfter, sent == n {
            sent += 1
            try await outbound.write(.text(#"{"stage":"fileWriting","overallProgress":"#))
        }
        sent += 1
        try await outbound.write(.text(message.render(indent: request.indent)))
    }
}
