import Foundation

/// `/api/v1/info`: who the recorder is and which zone its local times are in.
public struct ServerInfo: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var siteName: String?
    public var timeZoneName: String?
    public var timeZoneBias: String?
    public var productName: String?
    public var productVersion: String?
    public var licenseType: String?
    public var maxChannels: Int?
}

public struct ChannelInfo: Sendable, Hashable, Codable {
    public var chid: Int
    public var title: String
    public var displayName: String
}

/// `/api/v1/channel/status`, in either code family (§3.3), normalised.
public struct ChannelStatus: Sendable, Hashable, Codable {
    public var chid: Int
    public var code: Int
    public var message: String?
    public var connected: Bool
    public var recording: Bool?
}

/// Which local days of one channel hold recordings.
public struct RecordingDays: Sendable, Hashable {
    public var channel: Int
    public var days: [LocalDay]
}

/// One entry of `/api/v1/event/log`.
public struct EventLogEntry: Sendable, Hashable {
    public var id: Int
    public var type: Int
    public var typeName: String?
    public var code: Int
    public var codeName: String?
    public var channel: Int?
    public var begin: Date
    public var end: Date?
}
