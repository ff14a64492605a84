/// Renews an sso-session's access token with its refresh token, as the AWS CLI does (botocore
/// tokens.py, SSOTokenProvider): within 15 minutes of `expiresAt`, when the cached token has
/// `refreshToken`, `clientId`, `clientSecret` and a `registrationExpiresAt` ahead, SSO OIDC's
/// CreateToken (grant `refresh_token`, unsigned; `AWS_ENDPOINT_URL_SSO_OIDC`) gives a new one.
/// Legacy profiles have no refresh token: only `aws sso login` renews theirs.
struct SSOTokenRenewal {
    /// `sso_region` of the sso-session.
    let region: String
    let environment: [String: String]

    static let window = 15 * 60

    /// The cached token with a new `accessToken`, `expiresAt` (and `refreshToken` when one came);
    /// nil when the token cannot be renewed; a remote error when OIDC refused.
    func renewed(_ cached: JSON, now: Int) throws -> JSON? {
        let keys = ["refreshToken", "clientId", "clientSecret"]
        guard keys.allSatisfy({ !(cached[$0]?.string ?? "").isEmpty }),
            let registered = cached["registrationExpiresAt"]?.string.flatMap(RFC3339.seconds), registered > now
        else { return nil }
        let oidc = try AWSClient(region: region, environment: environment)
        let body: JSON = .object(keys.map { ($0, cached[$0] ?? .null) } + [("grantType", "refresh_token")])
        let request = try HTTPRequest(
            method: "POST", url: oidc.endpoint("sso-oidc").url + "/token",
            headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(Array(body.serialized().utf8)))
        let answer = try ErrorDecoding.body(oidc.send(request, service: "sso-oidc", idempotent: true, signed: false))
        guard let token = answer["accessToken"]?.string, let lifetime = answer["expiresIn"]?.number else {
            throw ToolError.remote("SSO OIDC CreateToken returned no accessToken")
        }
        var fields = cached.object ?? []
        var fresh = [("accessToken", JSON.string(token)), ("expiresAt", .string(RFC3339.string(now + Int(lifetime))))]
        if let refresh = answer["refreshToken"], refresh.string != nil { fresh.append(("refreshToken", refresh)) }
        for (key, value) in fresh {
            if let i = fields.firstIndex(where: { $0.0 == key }) {
                fields[i].1 = value
            } else {
                fields.append((key, value))
            }
        }
        return .object(fields)
    }
}
