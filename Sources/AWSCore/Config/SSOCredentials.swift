/// An IAM Identity Center profile, as botocore reads it (credentials.py, SSOProvider): one with
/// `sso_account_id` or `sso_role_name`, its `sso_start_url` and `sso_region` in its own section
/// (legacy) or in the `[sso-session name]` its `sso_session` names. Its credentials are the
/// role's, from the portal's GetRoleCredentials (unsigned; the cached token of `aws sso login`
/// in the `x-amz-sso_bearer_token` header), refreshed before their `expiration` like every
/// temporary key. An sso-session's token is renewed with its refresh token (`SSOTokenRenewal`);
/// a legacy profile's only by `aws sso login`.
struct SSOCredentials {
    let profile: String
    /// `sso_start_url`, `sso_region`, `sso_account_id`, `sso_role_name`.
    let startURL, region, accountId, roleName: String
    /// The `sso_session` name, or nil for a legacy profile.
    let session: String?

    /// Nil when the profile is not an IAM Identity Center one; a usage error when it is, but lacks
    /// a setting or contradicts its sso-session.
    init?(profile name: String, settings: [String: String], config: SharedConfig) throws {
        guard settings["sso_account_id"] != nil || settings["sso_role_name"] != nil else { return nil }
        var merged = settings
        if let session = settings["sso_session"] {
            guard let values = config.ssoSession(session) else {
                throw ToolError.usage(
                    "profile '\(name)': its sso_session names [sso-session \(session)], which \(config.configPath) does not have"
                )
            }
            for (key, value) in values {
                if let own = settings[key], own != value {
                    throw ToolError.usage(
                        "profile '\(name)': \(key) is '\(own)' here but '\(value)' in [sso-session \(session)]; keep one"
                    )
                }
                merged[key] = value
            }
        }
        let required = ["sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
        let missing = required.filter { merged[$0]?.isEmpty ?? true }
        guard missing.isEmpty else {
            throw ToolError.usage(
                "profile '\(name)' is set up for IAM Identity Center but lacks \(missing.joined(separator: ", ")) (in the profile or its sso-session)"
            )
        }
        profile = name
        startURL = merged["sso_start_url"] ?? ""
        region = merged["sso_region"] ?? ""
        accountId = merged["sso_account_id"] ?? ""
        roleName = merged["sso_role_name"] ?? ""
        session = settings["sso_session"]
    }

    /// GetRoleCredentials (Portal API reference): `GET /federation/credentials?account_id=…&role_name=…`.
    func credentials(environment: [String: String]) throws -> Credentials {
        let cache = SSOTokenCache(home: environment["HOME"] ?? "")
        let renewal = session.map { _ in SSOTokenRenewal(region: region, environment: environment) }
        let token = try cache.accessToken(session ?? startURL, profile: profile, renewal: renewal)
        let portal = try AWSClient(region: region, environment: environment)
        let query = PercentEncoding.form([("account_id", accountId), ("role_name", roleName)])
        let request = try HTTPRequest(
            method: "GET", url: portal.endpoint("sso").url + "/federation/credentials?" + query,
            headers: HTTPHeaders([("x-amz-sso_bearer_token", token)]))
        let role = "role \(roleName) of account \(accountId)"
        let answer: JSON
        do {
            answer = try ErrorDecoding.body(portal.send(request, service: "sso", idempotent: true, signed: false))
        } catch let ToolError.aws(e) where e.code == "UnauthorizedException" {
            throw ToolError.remote(
                "profile '\(profile)': IAM Identity Center refused the token in \(cache.path(session ?? startURL)) (\(e)); run aws sso login --profile \(profile)"
            )
        } catch let e as ToolError {
            throw ToolError.remote("profile '\(profile)': GetRoleCredentials of \(role) failed: \(e)")
        }
        let c = answer["roleCredentials"]
        guard let id = c?["accessKeyId"]?.string, let secret = c?["secretAccessKey"]?.string else {
            throw ToolError.remote("profile '\(profile)': GetRoleCredentials of \(role) returned no credentials")
        }
        return Credentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: c?["sessionToken"]?.string,
            source: "profile \(profile) (IAM Identity Center, \(role))",
            expiration: c?["expiration"]?.number.map { Int($0 / 1000) })
    }
}
