import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// IAM Identity Center profiles: the token `aws sso login` would cache (issued here by the
    /// emulator for one role), in `~/.aws/sso/cache/<sha1>.json` of the tool's HOME, traded at the
    /// portal's GetRoleCredentials for the role's keys.
    @Suite struct SSOSourceTests {
        let setup: CredentialSetup
        static let startURL = "https://sandbox-test.awsapps.com/start"

        init() throws { setup = try CredentialSetup() }

        /// A role standing for a permission set, allowed everything.
        func makeRole() throws -> (arn: String, remove: () -> Void) {
            try setup.makeRole(
                "sso-\(setup.unique)",
                trust:
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sso.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            )
        }

        /// Writes the token cache file under `key` (the session name or the start URL).
        func cacheToken(_ token: String, expiresAt: String, key: String) throws {
            let name = Digest.hex(Digest.sha1(key))
            try setup.file(
                "home/.aws/sso/cache/\(name).json",
                #"{"startUrl":"\#(Self.startURL)","region":"eu-west-1","accessToken":"\#(token)","expiresAt":"\#(expiresAt)"}"#
            )
        }

        /// A token for the role from the emulator (standing in for `aws sso login`), cached.
        func login(key: String, seconds: Int = 3600) throws -> String {
            let issued = try Emulator.control(
                "POST", Emulator.endpoint + "/_emulator/sso-token",
                ["roleNames": .array([.string("sso-\(setup.unique)")]), "seconds": .number(Double(seconds))])
            let token = try #require(issued["accessToken"]?.string)
            try cacheToken(token, expiresAt: try #require(issued["expiresAt"]?.string), key: key)
            return token
        }

        /// The profile `dev`, `legacy` or with an sso-session, and the tool's environment.
        func environment(session: Bool, _ extra: [String: String?] = [:]) throws -> [String: String] {
            let settings =
                session
                ? "sso_session = team\n[sso-session team]\nsso_start_url = \(Self.startURL)\nsso_region = eu-west-1\n"
                : "sso_start_url = \(Self.startURL)\nsso_region = eu-west-1\n"
            let config = try setup.file(
                "config",
                "[profile dev]\nsso_account_id = 123456789012\nsso_role_name = sso-\(setup.unique)\n\(settings)")
            return setup.keyless(
                ["AWS_CONFIG_FILE": config, "AWS_PROFILE": "dev", "HOME": setup.dir + "/home"].merging(extra) { $1 })
        }

        @Test func anSSOSessionProfileGetsTheRolesKeysAndRenewsThem() throws {
            defer { setup.remove() }
            let role = try makeRole()
            defer { role.remove() }
            _ = try login(key: "team")
            let env = try environment(session: true)
            try Emulator.configure(["credentialSeconds": 3])
            defer { setup.cleanUpRun() }
            var r: ToolResult?
            let sent = try setup.actions { r = try setup.outlastingRun(env).finish() }
            setup.expectRenewedAhead(try #require(r))
            #expect(sent.filter { $0 == "sso:GetRoleCredentials" }.count >= 2, "\(sent)")
        }

        /// A legacy profile's token is cached under its start URL; the portal is reached through
        /// AWS_ENDPOINT_URL_SSO, unsigned, with the token in its header.
        @Test func aLegacyProfileUsesTheStartURLsToken() throws {
            defer { setup.remove() }
            let role = try makeRole()
            defer { role.remove() }
            let token = try login(key: Self.startURL)
            let relay = try Relay()
            defer { relay.stop() }
            let r = try run(
                "aws-sign-request", stdin: CredentialSetup.callerIdentity,
                env: try environment(session: false, ["AWS_ENDPOINT_URL_SSO": relay.url]))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(setup.arn(r).contains(":assumed-role/sso-\(setup.unique)/"), "\(r.stdout)")
            let portal = relay.requests
            #expect(
                portal.contains("GET /federation/credentials?account_id=123456789012&role_name=sso-\(setup.unique) "))
            #expect(portal.contains("x-amz-sso_bearer_token: \(token)"), "\(portal.prefix(600))")
            #expect(!portal.contains("Authorization:"), "GetRoleCredentials is unsigned")
            #expect(!r.stderr.contains(token), "the token never reaches stderr")
        }

        /// An sso-session's token that expires within 15 minutes, or has expired, is renewed with
        /// its refresh token (SSO OIDC CreateToken) and written back, as the AWS CLI does.
        @Test func anSSOSessionTokenNearItsEndIsRenewedAndCachedAgain() throws {
            defer { setup.remove() }
            let role = try makeRole()
            defer { role.remove() }
            let issued = try Emulator.control(
                "POST", Emulator.endpoint + "/_emulator/sso-token",
                ["roleNames": .array([.string("sso-\(setup.unique)")]), "seconds": 3600])
            let refresh = try #require(issued["refreshToken"]?.string)
            let cache = setup.dir + "/home/.aws/sso/cache/\(Digest.hex(Digest.sha1("team"))).json"
            for (token, expiresAt) in [
                ("soon-\(setup.unique)", RFC3339.string(time(nil) + 60)),
                ("expired-\(setup.unique)", "2020-01-01T00:00:00Z"),
            ] {
                let cached: JSON = [
                    "startUrl": .string(Self.startURL), "region": "eu-west-1", "accessToken": .string(token),
                    "expiresAt": .string(expiresAt), "refreshToken": .string(refresh),
                    "clientId": issued["clientId"] ?? .null, "clientSecret": issued["clientSecret"] ?? .null,
                    "registrationExpiresAt": issued["registrationExpiresAt"] ?? .null,
                ]
                try setup.file("home/.aws/sso/cache/\(Digest.hex(Digest.sha1("team"))).json", cached.serialized())
                var r: ToolResult?
                let sent = try setup.actions {
                    r = try run(
                        "aws-sign-request", stdin: CredentialSetup.callerIdentity, env: try environment(session: true))
                }
                let result = try #require(r)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(sent.starts(with: ["sso-oidc:CreateToken", "sso:GetRoleCredentials"]), "\(sent)")
                let rewritten = try JSON.parse(Array(try #require(FileManager.default.contents(atPath: cache))))
                let renewed = try #require(rewritten["accessToken"]?.string)
                #expect(renewed != token && rewritten["refreshToken"]?.string == refresh, "\(rewritten)")
                let expires = try #require(rewritten["expiresAt"]?.string.flatMap(RFC3339.seconds))
                #expect(expires > time(nil) + 3000, "\(rewritten)")
                #expect(rewritten["startUrl"]?.string == Self.startURL, "the other fields stay")
                let mode = (try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int) ?? 0
                #expect(mode == 0o600, "the token file stays private")
                #expect(!result.stderr.contains(renewed) && !result.stderr.contains(refresh))
            }
        }

        @Test func anExpiredOrRefusedTokenAsksForALogin() throws {
            defer { setup.remove() }
            try cacheToken("expired-\(setup.unique)", expiresAt: "2020-01-01T00:00:00Z", key: "team")
            var r: ToolResult?
            let sent = try setup.actions {
                r = try run(
                    "aws-sign-request", stdin: CredentialSetup.callerIdentity, env: try environment(session: true))
            }
            let expired = try #require(r)
            #expect(expired.status == 2 && sent.isEmpty, "\(expired.stderr) \(sent)")
            #expect(expired.stderr.contains("expired") && expired.stderr.contains("aws sso login --profile dev"))

            try cacheToken("forged-\(setup.unique)", expiresAt: "2099-01-01T00:00:00Z", key: "team")
            let refused = try run(
                "aws-sign-request", stdin: CredentialSetup.callerIdentity, env: try environment(session: true))
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(
                refused.stderr.contains("UnauthorizedException")
                    && refused.stderr.contains("aws sso login --profile dev"),
                "\(refused.stderr)")
            #expect(!refused.stderr.contains("forged-\(setup.unique)"), "the token never reaches stderr")
        }
    }
}
