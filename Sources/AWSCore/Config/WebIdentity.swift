/// OIDC federation (CI systems, EKS): STS AssumeRoleWithWebIdentity with the token in a file,
/// as botocore does it (credentials.py, AssumeRoleWithWebIdentityProvider). The settings come
/// from `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`, each before the
/// profile's `web_identity_token_file`, `role_arn`, `role_session_name`. The call is unsigned
/// (the token is the proof) and the file is read again on every refresh, since its issuer
/// rotates it. The token is a secret: no message shows it.
struct WebIdentity {
    let tokenFile: String
    /// Where the token file was named, for messages.
    let tokenFileSetting: String
    let roleArn: String
    let sessionName: String?
    let profile: String

    static let variables = [
        "web_identity_token_file": "AWS_WEB_IDENTITY_TOKEN_FILE", "role_arn": "AWS_ROLE_ARN",
        "role_session_name": "AWS_ROLE_SESSION_NAME",
    ]

    /// Nil without a token file; `environment` is empty where a named profile leaves the
    /// variables out (botocore's disable_env_vars).
    init?(profile name: String, settings: [String: String], environment: [String: String]) throws {
        func setting(_ key: String) -> (value: String, from: String)? {
            if let variable = Self.variables[key], let v = environment[variable], !v.isEmpty { return (v, variable) }
            return settings[key].map { ($0, "\(key) of profile '\(name)'") }
        }
        guard let file = setting("web_identity_token_file") else { return nil }
        guard let role = setting("role_arn") else {
            throw ToolError.usage(
                "\(file.from) asks for a web identity, but no role is given: set AWS_ROLE_ARN or the profile's role_arn"
            )
        }
        tokenFile = file.value
        tokenFileSetting = file.from
        roleArn = role.value
        sessionName = setting("role_session_name")?.value
        profile = name
    }

    func credentials(region: String, environment: [String: String]) throws -> Credentials {
        guard let bytes = readFile(tokenFile) else {
            throw ToolError.usage(
                "cannot read the web identity token \(tokenFile) (\(tokenFileSetting)): \(errnoMessage())")
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \r\n\t")
        let sts = try AWSClient(region: region, environment: environment)
        var p = QueryParams()
        p.add("RoleArn", roleArn)
        p.add("RoleSessionName", sessionName ?? "sandbox-release-\(time(nil))")
        p.add("WebIdentityToken", token)
        let result: JSON
        do {
            result = try sts.query("sts", "AssumeRoleWithWebIdentity", p.pairs, idempotent: true, signed: false)
        } catch let e as ToolError {
            throw ToolError.remote(
                "AssumeRoleWithWebIdentity of \(roleArn) with the token in \(tokenFile) failed: \(e)")
        }
        return try AssumeRole.decode(
            result["AssumeRoleWithWebIdentityResult"], source: "web identity (role \(roleArn))",
            failure: "AssumeRoleWithWebIdentity of \(roleArn) returned no credentials")
    }
}
