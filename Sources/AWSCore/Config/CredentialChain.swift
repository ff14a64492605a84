/// Finds credentials in botocore's order (credentials.py, create_credential_resolver): environment
/// keys; then the profile's role (`role_arn` with `source_profile` or `credential_source`: STS
/// AssumeRole), web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` or `web_identity_token_file`), IAM
/// Identity Center (`sso_session` or legacy `sso_*`), the credentials file's keys,
/// `credential_process`, the config file's keys; then container credentials (CodeBuild, ECS), then
/// EC2 instance metadata (IMDSv2). A named profile comes first and decides alone, without the
/// environment's web identity: it may take the environment's keys by `credential_source =
/// Environment`. A miss names everything that was looked at. Each source is read again when its
/// credentials are due (`CredentialProvider`).
public struct CredentialChain {
    public let environment: [String: String]
    public let config: SharedConfig

    public init(environment: [String: String], config: SharedConfig) {
        self.environment = environment
        self.config = config
    }

    public func resolve(http: HTTPClient) throws -> Credentials {
        let name = config.profileName
        // Naming a profile is the more specific choice, so it beats keys that are merely exported.
        if config.profileIsNamed {
            guard let settings = config.profile(name) else {
                throw ToolError.usage(
                    "profile '\(name)' not found in \(config.credentialsPath) or \(config.configPath)")
            }
            if let c = try fromProfile(name, settings, http: http, depth: 0, variables: [:]) { return c }
            throw ToolError.usage(
                "profile '\(name)' holds no credentials: give it aws_access_key_id and aws_secret_access_key, role_arn with source_profile or credential_source, web_identity_token_file with role_arn, sso_session (or sso_start_url and sso_region) with sso_account_id and sso_role_name, or credential_process"
            )
        }
        if let c = fromEnvironment() { return c }
        if let c = try fromProfile(name, config.profile(name) ?? [:], http: http, depth: 0, variables: environment) {
            return c
        }
        var looked = [
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "profile '\(name)' in \(config.credentialsPath) and \(config.configPath)",
        ]
        if let c = try fromContainer(http: http) { return c }
        looked.append("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI")
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" {
            if let c = try fromInstanceMetadata(http: http) { return c }
            looked.append("EC2 instance metadata")
        }
        throw ToolError.usage(
            "no AWS credentials found: looked at \(looked.joined(separator: ", ")); set one of them (aws configure, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    }

    func fromEnvironment() -> Credentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"],
            source: "environment")
    }

    /// The profile's credentials, nil when it holds none. `variables`: where the web identity
    /// variables are read (empty for a named profile or a role's source profile, as in botocore).
    func fromProfile(
        _ name: String, _ settings: [String: String], http: HTTPClient, depth: Int,
        variables: [String: String]
    ) throws -> Credentials? {
        // botocore's AssumeRoleProvider leaves a role with a token file to web identity.
        if settings["role_arn"] != nil, settings["web_identity_token_file"] == nil {
            return try assumeRole(name, settings, http: http, depth: depth)
        }
        return try fromProfileSources(name, settings, variables: variables)
    }

    /// botocore's ProfileProviderBuilder, in its order; nil when the profile holds none of them.
    func fromProfileSources(_ name: String, _ settings: [String: String], variables: [String: String]) throws
        -> Credentials?
    {
        if let web = try WebIdentity(profile: name, settings: settings, environment: variables) {
            return try web.credentials(region: stsRegion(settings), environment: environment)
        }
        if let sso = try SSOCredentials(profile: name, settings: settings, config: config) {
            return try sso.credentials(environment: environment)
        }
        if let c = staticKeys(config.credentialsFileProfile(name) ?? [:], name) { return c }
        if let command = settings["credential_process"] {
            return try CredentialProcess(command: command, profile: name).credentials(environment: environment)
        }
        return staticKeys(settings, name)
    }

    func assumeRole(_ name: String, _ p: [String: String], http: HTTPClient, depth: Int) throws -> Credentials {
        guard depth < 5 else { throw ToolError.usage("profile '\(name)': source_profile chain is too long or loops") }
        let roleArn = p["role_arn"] ?? ""
        let source: Credentials
        if let sourceProfile = p["source_profile"] {
            guard p["credential_source"] == nil else {
                throw ToolError.usage("profile '\(name)' has both source_profile and credential_source; keep one")
            }
            source = try sourceCredentials(sourceProfile, of: name, http: http, depth: depth)
        } else if let credentialSource = p["credential_source"] {
            switch credentialSource {
            case "Environment":
                guard let c = fromEnvironment() else {
                    throw ToolError.usage(
                        "profile '\(name)': credential_source Environment but AWS_ACCESS_KEY_ID is not set")
                }; source = c
            case "EcsContainer":
                guard let c = try fromContainer(http: http) else {
                    throw ToolError.usage(
                        "profile '\(name)': credential_source EcsContainer but no container credentials")
                }; source = c
            case "Ec2InstanceMetadata":
                guard let c = try fromInstanceMetadata(http: http) else {
                    throw ToolError.usage("profile '\(name)': no instance metadata credentials")
                }; source = c
            default: throw ToolError.usage("profile '\(name)': unknown credential_source '\(credentialSource)'")
            }
        } else {
            throw ToolError.usage("profile '\(name)' has role_arn but neither source_profile nor credential_source")
        }
        return try AssumeRole(
            roleArn: roleArn, sessionName: p["role_session_name"], externalId: p["external_id"],
            durationSeconds: p["duration_seconds"].flatMap { Int($0) }
        )
        .credentials(using: source, region: stsRegion(p), environment: environment, profile: name)
    }

    /// A role's source profile, as botocore resolves it: its own keys or other sources when it has
    /// keys or no role of its own, else its role in turn. A profile naming itself uses its keys.
    func sourceCredentials(_ source: String, of name: String, http: HTTPClient, depth: Int) throws -> Credentials {
        guard let s = config.profile(source) else {
            throw ToolError.usage(
                "profile '\(name)': its source_profile '\(source)' is not in \(config.credentialsPath) or \(config.configPath)"
            )
        }
        if source == name {
            guard let c = staticKeys(s, name) else {
                throw ToolError.usage("profile '\(name)' is its own source_profile but has no keys")
            }
            return c
        }
        let hasKeys = s["aws_access_key_id"] != nil || s["aws_secret_access_key"] != nil
        if hasKeys || s["role_arn"] == nil || s["web_identity_token_file"] != nil {
            guard let c = try fromProfileSources(source, s, variables: [:]) else {
                throw ToolError.usage("profile '\(name)': its source_profile '\(source)' holds no credentials")
            }
            return c
        }
        return try assumeRole(source, s, http: http, depth: depth + 1)
    }

    /// Where STS is asked: the tools' region variables, the profile's region, else us-east-1.
    func stsRegion(_ settings: [String: String]) -> String {
        for r in [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], settings["region"]] {
            if let r, !r.isEmpty { return r }
        }
        return "us-east-1"
    }

    func staticKeys(_ p: [String: String], _ name: String) -> Credentials? {
        guard let id = p["aws_access_key_id"], let secret = p["aws_secret_access_key"] else { return nil }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: p["aws_session_token"], source: "profile \(name)")
    }

    /// CodeBuild and ECS serve credentials over HTTP to the build's processes.
    func fromContainer(http: HTTPClient) throws -> Credentials? {
        guard let url = try CredentialHosts.containerURL(environment) else { return nil }
        var request = try HTTPRequest(method: "GET", url: url)
        var token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], let bytes = readFile(file) {
            token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \r\n")
        }
        if let token, !token.isEmpty { request.headers.set("Authorization", token) }
        let response: HTTPResponse
        do { response = try http.send(request) } catch let e as TransportError {
            throw ToolError.remote("container credentials at \(url): \(e.message)")
        }
        return try Self.decodeCredentialJSON(response, from: "container credentials at \(url)")
    }

    /// IMDSv2: a session token first (PUT), then the role name, then the role's credentials.
    func fromInstanceMetadata(http: HTTPClient) throws -> Credentials? {
        let base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        // Off EC2 nothing answers: give up quickly rather than hang every tool.
        let saved = (http.connectTimeout, http.timeout)
        http.connectTimeout = 1
        http.timeout = 2
        defer { (http.connectTimeout, http.timeout) = saved }
        do {
            var tokenRequest = try HTTPRequest(method: "PUT", url: base + "/latest/api/token")
            tokenRequest.headers.set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
            let token = try http.send(tokenRequest)
            guard token.status == 200 else { return nil }
            let headers = HTTPHeaders([("X-aws-ec2-metadata-token", String(decoding: token.body, as: UTF8.self))])
            let roles = try http.send(
                HTTPRequest(method: "GET", url: base + "/latest/meta-data/iam/security-credentials/", headers: headers))
            guard roles.status == 200,
                let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first
            else { return nil }
            let creds = try http.send(
                HTTPRequest(
                    method: "GET", url: base + "/latest/meta-data/iam/security-credentials/\(role)", headers: headers))
            return try Self.decodeCredentialJSON(creds, from: "instance metadata")
        } catch is TransportError {
            return nil
        }
    }

    static func decodeCredentialJSON(_ response: HTTPResponse, from what: String) throws -> Credentials {
        guard response.status == 200 else { throw ToolError.remote("\(what) answered HTTP \(response.status)") }
        guard let json = try? JSON.parse(response.body),
            let id = json["AccessKeyId"]?.string, let secret = json["SecretAccessKey"]?.string
        else {
            throw ToolError.remote("\(what): the answer has no AccessKeyId/SecretAccessKey")
        }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: json["Token"]?.string, source: what,
            expiration: expirationSeconds(json["Expiration"]))
    }

    /// `Expiration` as the container endpoint, IMDS and STS give it (RFC 3339).
    static func expirationSeconds(_ value: JSON?) -> Int? {
        value?.string.flatMap(RFC3339.seconds)
    }
}
