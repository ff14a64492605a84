/// Finds credentials in the SDKs' order: environment, shared files (with `role_arn` +
/// `source_profile` through STS AssumeRole), container credentials (CodeBuild, ECS), then EC2
/// instance metadata (IMDSv2). A named profile comes first and decides alone: it may take the
/// environment's keys by `credential_source = Environment`. A miss names everything that was looked at.
public struct CredentialChain {
    public let environment: [String: String]
    public let config: SharedConfig

    public init(environment: [String: String], config: SharedConfig) {
        self.environment = environment
        self.config = config
    }

    public func resolve(http: HTTPClient) throws -> Credentials {
        // Naming a profile is the more specific choice, so it beats keys that are merely exported.
        if config.profileIsNamed { return try fromProfile(config.profileName, http: http, depth: 0) }
        if let c = fromEnvironment() { return c }
        var looked = ["AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"]
        if config.profile() != nil { return try fromProfile(config.profileName, http: http, depth: 0) }
        looked.append("profile '\(config.profileName)' in \(config.credentialsPath) and \(config.configPath)")
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

    func fromProfile(_ name: String, http: HTTPClient, depth: Int) throws -> Credentials {
        guard depth < 5 else { throw ToolError.usage("profile '\(name)': source_profile chain is too long or loops") }
        guard let p = config.profile(name) else {
            throw ToolError.usage("profile '\(name)' not found in \(config.credentialsPath) or \(config.configPath)")
        }
        if let roleArn = p["role_arn"] {
            let source: Credentials
            if let sourceProfile = p["source_profile"] {
                // A profile naming itself as source uses its own static keys for the role.
                if sourceProfile == name, let c = staticKeys(p, name) {
                    source = c
                } else {
                    source = try fromProfile(sourceProfile, http: http, depth: depth + 1)
                }
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
            .credentials(
                using: source, region: p["region"] ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"],
                environment: environment, config: config, http: http, profile: name)
        }
        if let c = staticKeys(p, name) { return c }
        throw ToolError.usage("profile '\(name)' has no aws_access_key_id/aws_secret_access_key and no role_arn")
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

    /// `Expiration` as the container endpoint, IMDS and STS give it (ISO 8601 in UTC).
    static func expirationSeconds(_ value: JSON?) -> Int? {
        value?.string.flatMap { AmzDate(iso8601: $0) }?.seconds
    }
}
