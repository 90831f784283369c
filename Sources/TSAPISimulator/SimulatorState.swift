import Foundation
import HTTPTypes
import Remux

/// Everything the handlers share; all members are immutable or synchronised.
final class SimulatorState: Sendable {
    let config: SimulatorConfiguration
    let time: ServerTime
    let schedule: RecordingSchedule
    let clock: RecorderClock
    let auth: AuthStore
    let authenticator: Authenticator
    let faults: FaultInjector
    let library: GOPLibrary
    let tasks: ExportTaskRegistry
    let builder: ExportFileBuilder
    let printedAPIKey: String
    /// System events reported through the control endpoint (storage trouble).
    let systemLog = SystemLog()

    init(
        config: SimulatorConfiguration, library: GOPLibrary, audio: EncodedAudio?, printedAPIKey: String, auth: AuthStore,
        faults: FaultInjector
    ) {
        self.config = config
        time = ServerTime(zone: config.timeZone)
        schedule = RecordingSchedule(
            time: time, gopSeconds: config.gopSeconds, channelCount: config.channels, retentionDays: config.retentionDays)
        clock = RecorderClock(fixed: config.now)
        self.auth = auth
        authenticator = Authenticator(store: auth, rejectJWTOnData: config.rejectJWTOnData)
        self.faults = faults
        self.library = library
        tasks = ExportTaskRegistry(root: (config.dataDirectory as NSString).appendingPathComponent("exports"))
        builder = ExportFileBuilder(
            library: library, audio: audio, time: time, naming: config.fileNaming, gopSeconds: Int64(config.gopSeconds))
        self.printedAPIKey = printedAPIKey
    }

    /// Absolute base URL for links the server builds (download `src`), from `X-Host`, else
    /// `Host`, else the listening address.
    func baseURL(headers: HTTPFields, authority: String?) -> String {
        let host = headers[.xHost] ?? authority ?? "\(config.host):\(config.port)"
        return "\(config.urlScheme)://\(host)"
    }
}
