import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete archived footage by the configured retention policy (a dry run unless --apply).",
        discussion: """
            retention.maxAgeDays deletes segments older than that many days; retention.quotaGB deletes \
            the oldest segments while the archive stores more than that. Footage under an active \
            legal hold (tsvault hold add) is never deleted, and the quota never deletes footage of \
            the last lookBackDays (the recorder still holds it; the next run would fetch it again). \
            retention.events keeps footage around the named recorder events for keepDays, and the \
            quota deletes such footage only when nothing else is left to delete. \
            Every deleted range is written to the custody log with the policy, in the same \
            transaction as the deletion. Exit codes: 0 done (or nothing to do), 1 the archive is \
            still over its quota (held or protected footage), 64 configuration error, 74 archive \
            I/O error.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Delete what the plan lists; without it nothing is deleted.") var apply = false
    @Flag(help: "Print the plan (and result) as JSON.") var json = false
    @Option(help: "Who applies it, for the custody log.") var actor = ProcessInfo.processInfo.environment["USER"] ?? "tsvault"
    @Option(help: "Evaluate as if it were this instant (ISO 8601 with offset).") var now: String?

    func run() async throws {
        let config = try configOptions.load()
        guard let policy = RetentionSettings.policy(config, now: try now.map { try parseInstant($0, option: "--now") } ?? Date()) else {
            FileHandle.standardError.write(
                Data("tsvault retention: no retention.maxAgeDays or retention.quotaGB in \(configOptions.path)\n".utf8))
            throw ExitStatus.usage
        }
        let archive = try ArchiveStore.open(config, existing: true, logger: Logger(label: "tsvault"))
        let plan = try archive.retentionPlan(policy.policy, now: policy.now)
        let result = apply ? try await archive.applyRetention(plan, actor: actor, policyText: policy.text) : nil
        if json {
            try printJSON(RetentionOutput(applied: apply, policy: policy.text, plan: plan, result: result))
        } else {
            print(Self.render(plan, result: result, policy: policy.text))
        }
        if plan.quotaShortfallBytes > 0 { throw ExitStatus.failed }
    }

    static func render(_ plan: RetentionPlan, result: RetentionResult?, policy: String) -> String {
        var lines = [
            "retention (\(policy)): archive stores \(plan.storedBytesBefore) bytes; "
                + "\(result == nil ? "would delete" : "deleted") \(plan.segments) segments, \(plan.bytesFreed) bytes"
        ]
        // Sparse (motion) recordings make many short ranges; the JSON and the custody log
        // list them all.
        let shown = 20
        for r in plan.ranges.prefix(shown) {
            lines.append(
                "  \(r.server) CH\(r.channel) \(formatUTC(r.startMicros))–\(formatUTC(r.endMicros)) \(r.segments) segments \(r.bytes) bytes (\(r.reason))"
            )
        }
        if plan.ranges.count > shown { lines.append("  (+\(plan.ranges.count - shown) more ranges; --json lists them all)") }
        if plan.heldSegments > 0 { lines.append("  kept under legal hold: \(plan.heldSegments) segments") }
        if plan.eventKeptSegments > 0 { lines.append("  kept around recorder events: \(plan.eventKeptSegments) segments") }
        if plan.quotaShortfallBytes > 0 {
            lines.append("  still over quota by \(plan.quotaShortfallBytes) bytes: the rest is held or within lookBackDays")
        }
        if result == nil, plan.segments > 0 { lines.append("dry run: nothing deleted; add --apply") }
        return lines.joined(separator: "\n")
    }
}

struct RetentionOutput: Encodable {
    var applied: Bool
    var policy: String
    var plan: RetentionPlan
    var result: RetentionResult?
}
