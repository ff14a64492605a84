/// The shared `config` and `credentials` files, read the way the AWS CLI reads them:
/// `[name]` sections in credentials, `[default]`, `[profile name]` and `[sso-session name]` in
/// config, `key = value` lines, `#`/`;` comments, and indented sub-keys (kept as `parent.key`).
public struct SharedConfig: Sendable {
    public let profileName: String
    /// A profile was named (a `--profile` flag, `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`), not the fallback `default`.
    public let profileIsNamed: Bool
    public let configPath: String
    public let credentialsPath: String
    private let config: [String: [String: String]]
    private let credentials: [String: [String: String]]
    private let ssoSessions: [String: [String: String]]

    public init(environment env: [String: String], profile: String? = nil) {
        let home = env["HOME"] ?? ""
        let named = profile ?? env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"]
        profileName = named ?? "default"
        profileIsNamed = named != nil
        configPath = SharedConfig.expand(env["AWS_CONFIG_FILE"] ?? "~/.aws/config", home: home)
        credentialsPath = SharedConfig.expand(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials", home: home)
        let configText = readFile(configPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        config = SharedConfig.parse(configText, kind: .profiles)
        ssoSessions = SharedConfig.parse(configText, kind: .ssoSessions)
        credentials = SharedConfig.parse(
            readFile(credentialsPath).map { String(decoding: $0, as: UTF8.self) } ?? "", kind: .credentials)
    }

    static func expand(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst(1) : path
    }

    /// The named profile's settings; the credentials file wins over the config file.
    public func profile(_ name: String? = nil) -> [String: String]? {
        let name = name ?? profileName
        let fromConfig = config[name]
        let fromCredentials = credentials[name]
        if fromConfig == nil && fromCredentials == nil { return nil }
        return (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { _, c in c }
    }

    public func value(_ key: String, profile name: String? = nil) -> String? { profile(name)?[key] }

    /// The profile's section of the credentials file alone: botocore takes its keys before a
    /// `credential_process`, and the config file's after.
    func credentialsFileProfile(_ name: String) -> [String: String]? { credentials[name] }

    /// An `[sso-session name]` section of the config file (IAM Identity Center).
    public func ssoSession(_ name: String) -> [String: String]? { ssoSessions[name] }

    /// Which sections `parse` returns.
    enum Sections {
        /// The credentials file: every `[name]`.
        case credentials
        /// The config file's `[default]` and `[profile x]`.
        case profiles
        /// The config file's `[sso-session x]`.
        case ssoSessions
    }

    /// Sections by name; in the config file `[profile x]` names profile x, `[default]` default,
    /// `[sso-session x]` session x.
    static func parse(_ text: String, kind: Sections) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var parentKey: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                var name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: " \t")
                parentKey = nil
                switch kind {
                case .credentials: break
                case .profiles:
                    if name.hasPrefix("profile ") || name.hasPrefix("profile\t") {
                        name = String(name.dropFirst(8)).trimmingCharacters(in: " \t")
                    } else if name != "default" {
                        current = nil  // [sso-session x], [services x]: not profiles
                        continue
                    }
                case .ssoSessions:
                    guard name.hasPrefix("sso-session ") || name.hasPrefix("sso-session\t") else {
                        current = nil
                        continue
                    }
                    name = String(name.dropFirst(12)).trimmingCharacters(in: " \t")
                }
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<eq].trimmingCharacters(in: " \t").lowercased()
            var value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: " \t")
            // An inline comment needs whitespace before it, as in the CLI.
            for marker in [" #", " ;", "\t#", "\t;"] {
                if let r = value.firstRange(of: marker) { value = value[..<r.lowerBound].trimmingCharacters(in: " \t") }
            }
            let indented = line.first == " " || line.first == "\t"
            if indented, let parentKey {
                sections[section]?["\(parentKey).\(key)"] = value
            } else {
                sections[section]?[key] = value
                parentKey = value.isEmpty ? key : nil
            }
        }
        return sections
    }
}
