/// TS-API v1 API-key permissions (guide §3.2), with the documented aliases.
public enum Permission: String, Sendable, Codable, CaseIterable {
    case remote, playback, settings, control, dataExport
    case all = "*"

    /// Maps a permission name, or one of its aliases, to a permission.
    public static func parse(_ name: String) -> Permission? {
        switch name {
        case "channel:read", "vod:read": return .remote
        case "admin": return .settings
        default: return Permission(rawValue: name)
        }
    }
}

/// Who is calling, once a credential has been checked.
public struct Principal: Sendable {
    public enum Kind: Sendable {
        case user(name: String, role: String)
        case apiKey(id: String, name: String)
    }

    public var kind: Kind
    public var permissions: Set<Permission>
    /// Channels an API key is restricted to; nil means all channels.
    public var channels: Set<Int>?

    public var isJWT: Bool {
        if case .user = kind { return true }
        return false
    }

    public func allows(_ permission: Permission) -> Bool {
        permissions.contains(.all) || permissions.contains(permission)
    }

    public func allows(channel: Int) -> Bool { channels?.contains(channel) ?? true }
}
