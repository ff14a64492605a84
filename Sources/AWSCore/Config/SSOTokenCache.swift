/// The access token `aws sso login` leaves for IAM Identity Center profiles: the JSON file
/// `~/.aws/sso/cache/<sha1>.json`, named by the sha1 (hex) of the `sso_session` name, or of the
/// `sso_start_url` for a legacy profile (botocore utils.py, SSOTokenLoader), holding at least
/// `accessToken` and `expiresAt` (RFC 3339). An sso-session's token near its end is renewed and
/// written back (`SSOTokenRenewal`). A missing, broken or expired token is a local failure:
/// exit 2, asking for `aws sso login`. Tokens are secrets: no message shows one.
struct SSOTokenCache {
    let home: String

    func path(_ key: String) -> String { home + "/.aws/sso/cache/" + Digest.hex(Digest.sha1(key)) + ".json" }

    /// The token cached for `key`, valid at `now`; `profile` names the login that renews it.
    func accessToken(_ key: String, profile: String, renewal: SSOTokenRenewal? = nil, now: Int = time(nil)) throws
        -> String
    {
        let file = path(key)
        let login = "run aws sso login --profile \(profile)"
        guard let bytes = readFile(file) else {
            throw ToolError.usage("profile '\(profile)': no IAM Identity Center token in \(file); \(login)")
        }
        guard let json = try? JSON.parse(bytes), let token = json["accessToken"]?.string, !token.isEmpty,
            let expiresAt = json["expiresAt"]?.string, let expires = RFC3339.seconds(expiresAt)
        else {
            throw ToolError.usage(
                "profile '\(profile)': \(file) holds no accessToken with an RFC 3339 expiresAt; \(login)")
        }
        var why = ""
        if let renewal, expires - now < SSOTokenRenewal.window {
            do {
                if let fresh = try renewal.renewed(json, now: now), let renewed = fresh["accessToken"]?.string {
                    // Written back, as the AWS CLI does: the next run, and `aws` itself, use it.
                    try writeFileAtomically(file, Array(fresh.serialized().utf8), mode: 0o600)
                    return renewed
                }
            } catch {
                why = " (its renewal failed: \(error))"
            }
        }
        guard expires > now else {
            throw ToolError.usage(
                "profile '\(profile)': the IAM Identity Center token in \(file) expired at \(expiresAt)\(why); \(login)"
            )
        }
        return token
    }
}
