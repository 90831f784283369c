import Archive
import ArgumentParser
import Foundation
import Logging
import Nightly
import Synchronization
import TSAPI

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: what a run would export now, per recorder and channel, without exporting.",
        discussion:
            "Prints the windows oldest first and how long asking the recorders and planning took. Exit code 0, or 1 when a recorder could not be planned."
    )

    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "Plan as if it were this instant (ISO 8601 with offset).") var now: String?
    @Flag(help: "Print the plans as JSON.") var json = false

    func run() async throws {
        let config = try configOptions.load()
        let planNow = try now.map { try parseInstant($0, option: "--now") } ?? Date()
        let archive = try ArchiveStore.open(config, logger: Logger(label: "tsvault"))
        var failed = false
        var all: [ChannelPlan] = []
        for server in config.servers {
            do {
                let plans = try await TSAPIClient.withClient(ConfigurationLoader.connection(server)) { client in
                    let zone = try client.timeZone(of: try await client.serverInfo())
                    return try await Planner.plan(
                        client: client, zone: zone, archive: archive, server: server, settings: config, now: planNow)
                }
                all += plans
            } catch {
                failed = true
                // The client's errors name the recorder already.
                let text = "\(error)".hasPrefix("\(server.name):") ? "\(error)" : "\(server.name): \(error)"
                FileHandle.standardError.write(Data("tsvault plan: \(text)\n".utf8))
            }
        }
        if json {
            try printJSON(list: all.map(PlannedChannel.init), key: "channels")
        } else {
            for plan in all {
                print(
                    "\(plan.server) CH\(plan.channel): recorder \(plan.recorderMinutes) min, archived \(plan.archivedMinutes), "
                        + "missing \(plan.missingMinutes) in \(plan.windows.count) windows")
            }
            let recorder = all.reduce(0) { $0 + $1.recorderSeconds }
            let planning = all.reduce(0) { $0 + $1.planningSeconds }
            let days = all.reduce(0) { $0 + $1.days.count }
            print(
                String(
                    format: "%d channels, %d channel-days: recorder queries %.3f s, planning %.3f s", all.count, days, recorder, planning))
        }
        if failed { throw ExitStatus.failed }
    }
}

/// A channel's plan as `plan --json` prints it: the counts and windows, not the per-day bitmaps
/// the run keeps for the lost-minutes ledger.
struct PlannedChannel: Encodable {
    var server: String
    var channel: Int
    var recorderMinutes: Int
    var archivedMinutes: Int
    var missingMinutes: Int
    var windows: [ExportWindow]
    var recorderSeconds: Double
    var planningSeconds: Double

    init(_ plan: ChannelPlan) {
        server = plan.server
        channel = plan.channel
        recorderMinutes = plan.recorderMinutes
        archivedMinutes = plan.archivedMinutes
        missingMinutes = plan.missingMinutes
        windows = plan.windows
        recorderSeconds = plan.recorderSeconds
        planningSeconds = plan.planningSeconds
    }
}
