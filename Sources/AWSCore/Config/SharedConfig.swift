/// The shared `config` and `credentials` files, read the way the AWS CLI reads them:
/// `[name]` sections in credentials, `[default]` and `[profile name]` in config, `key = value`
/// lines, `#`/`;` comments, and indented sub-keys (which we keep as `parent.key`).
public struct SharedConfig: Sendable {
    public let profileName: String
    /// A profile was named (a `--profile` flag, `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`), not the fallback `default`.
    public let profileIsNamed: Bool
    public let configPath: String
    public let credentialsPath: String
    private let config: [String: [String: String]]
    private let credentials: [String: [String: String]]

    public init(environment env: [String: String], profile: String? = nil) {
        let home = env["HOME"] ?? ""
        let named = profile ?? env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"]
        profileName = named ?? "default"
        profileIsNamed = named != nil
        configPath = SharedConfig.expand(env["AWS_CONFIG_FILE"] ?? "~/.aws/config", home: home)
        credentialsPath = SharedConfig.expand(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials", home: home)
        config = SharedConfig.parse(
            readFile(configPath).map { String(decoding: $0, as: UTF8.self) } ?? "", isConfig: true)
        credentials = SharedConfig.parse(
            readFile(credentialsPath).map { String(decoding: $0, as: UTF8.self) } ?? "", isConfig: false)
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

    /// Sections by profile name; in the config file `[profile x]` names x, and `[default]` default.
    static func parse(_ text: String, isConfig: Bool) -> [String: [String: String]] {
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
                if isConfig {
                    if name.hasPrefix("profile ") || name.hasPrefix("profile\t") {
                        name = String(name.dropFirst(8)).trimmingCharacters(in: " \t")
                    } else if name != "default" {
                        current = nil  // [sso-session x], [services x]: not profiles
                        continue
                    }
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
