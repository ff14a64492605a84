/// STS AssumeRole for profiles with `role_arn`: signs with the source credentials and returns
/// the role's temporary ones.
struct AssumeRole {
    let roleArn: String
    let sessionName: String?
    let externalId: String?
    let durationSeconds: Int?

    func credentials(
        using source: Credentials, region: String?, environment: [String: String],
        config: SharedConfig, http: HTTPClient, profile: String
    ) throws -> Credentials {
        let stsRegion = region ?? "us-east-1"
        var env = environment
        // The STS client signs with the source credentials, whatever the environment holds.
        env["AWS_ACCESS_KEY_ID"] = source.accessKeyId
        env["AWS_SECRET_ACCESS_KEY"] = source.secretAccessKey
        env["AWS_SESSION_TOKEN"] = source.sessionToken ?? ""
        // A named profile would come before these keys and lead back here.
        env["AWS_PROFILE"] = nil
        env["AWS_DEFAULT_PROFILE"] = nil
        let sts = try AWSClient(region: stsRegion, environment: env)
        var p = QueryParams()
        p.add("RoleArn", roleArn)
        p.add("RoleSessionName", sessionName ?? "sandbox-release-\(time(nil))")
        p.add("ExternalId", externalId)
        p.add("DurationSeconds", durationSeconds.map(String.init))
        let result: JSON
        do {
            result = try sts.query("sts", "AssumeRole", p.pairs, idempotent: true)
        } catch let e as ToolError {
            throw ToolError.remote("profile '\(profile)': AssumeRole of \(roleArn) failed: \(e)")
        }
        guard let c = result["AssumeRoleResult"]?["Credentials"], let id = c["AccessKeyId"]?.string,
            let secret = c["SecretAccessKey"]?.string
        else {
            throw ToolError.remote("profile '\(profile)': AssumeRole of \(roleArn) returned no credentials")
        }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: c["SessionToken"]?.string,
            source: "profile \(profile) (role \(roleArn))",
            expiration: CredentialChain.expirationSeconds(c["Expiration"]))
    }
}
