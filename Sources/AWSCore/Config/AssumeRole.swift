/// STS AssumeRole for profiles with `role_arn`: signs with the source credentials and returns
/// the role's temporary ones.
struct AssumeRole {
    let roleArn: String
    let sessionName: String?
    let externalId: String?
    let durationSeconds: Int?

    func credentials(using source: Credentials, region: String, environment: [String: String], profile: String)
        throws -> Credentials
    {
        var env = environment
        // The STS client signs with the source credentials, whatever the environment holds.
        env["AWS_ACCESS_KEY_ID"] = source.accessKeyId
        env["AWS_SECRET_ACCESS_KEY"] = source.secretAccessKey
        env["AWS_SESSION_TOKEN"] = source.sessionToken ?? ""
        // A named profile would come before these keys and lead back here.
        env["AWS_PROFILE"] = nil
        env["AWS_DEFAULT_PROFILE"] = nil
        let sts = try AWSClient(region: region, environment: env)
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
        return try Self.decode(
            result["AssumeRoleResult"], source: "profile \(profile) (role \(roleArn))",
            failure: "profile '\(profile)': AssumeRole of \(roleArn) returned no credentials")
    }

    /// The `Credentials` of an AssumeRole… result.
    static func decode(_ result: JSON?, source: String, failure: String) throws -> Credentials {
        guard let c = result?["Credentials"], let id = c["AccessKeyId"]?.string,
            let secret = c["SecretAccessKey"]?.string
        else { throw ToolError.remote(failure) }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: c["SessionToken"]?.string, source: source,
            expiration: CredentialChain.expirationSeconds(c["Expiration"]))
    }
}
