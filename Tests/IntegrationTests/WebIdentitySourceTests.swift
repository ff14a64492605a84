import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// OIDC federation as a CI system or EKS sets it up: an IAM OIDC provider, a role it may
    /// assume for one subject, and a JWT in a file (the emulator decodes it; it cannot check the
    /// issuer's signature).
    @Suite struct WebIdentitySourceTests {
        let setup: CredentialSetup
        var issuer: String { "https://token.example.com/\(setup.unique)" }
        static let subject = "repo:org/sandbox-release:ref:refs/heads/main"

        init() throws { setup = try CredentialSetup() }

        /// The provider and the role; removed by the returned closure.
        func federation() throws -> (arn: String, remove: () -> Void) {
            let provider = try setup.aws.query(
                "iam", "CreateOpenIDConnectProvider",
                [
                    ("Url", issuer), ("ClientIDList.member.1", "sts.amazonaws.com"),
                    ("ThumbprintList.member.1", String(repeating: "a", count: 40)),
                ])
            let providerArn = try #require(
                provider["CreateOpenIDConnectProviderResult"]?["OpenIDConnectProviderArn"]?.string)
            let host = issuer.dropFirst("https://".count)
            let role = try setup.makeRole(
                "web-\(setup.unique)",
                trust: """
                    {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"\(providerArn)"},\
                    "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"\(host):aud":"sts.amazonaws.com",\
                    "\(host):sub":"\(Self.subject)"}}}]}
                    """)
            return (
                role.arn,
                { [aws = setup.aws] in
                    role.remove()
                    _ = try? aws.query(
                        "iam", "DeleteOpenIDConnectProvider", [("OpenIDConnectProviderArn", providerArn)])
                }
            )
        }

        /// A JWT for the subject; `marker` tells two tokens apart in the request log.
        func token(audience: String = "sts.amazonaws.com", marker: String = "a") -> String {
            func part(_ json: String) -> String {
                Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            }
            let claims =
                #"{"iss":"\#(issuer)","aud":"\#(audience)","sub":"\#(Self.subject)","exp":\#(time(nil) + 600),"jti":"\#(marker)"}"#
            return part(#"{"alg":"RS256","typ":"JWT"}"#) + "." + part(claims) + ".c2lnbmF0dXJl"
        }

        /// The AssumeRoleWithWebIdentity requests in a relay's log, each with its headers.
        func webIdentityRequests(_ log: String) -> [String] {
            log.components(separatedBy: "POST / HTTP/1.1").filter { $0.contains("Action=AssumeRoleWithWebIdentity") }
        }

        @Test func theEnvironmentsTokenFileAssumesTheRoleUnsigned() throws {
            defer { setup.remove() }
            let role = try federation()
            defer { role.remove() }
            let tokenFile = try setup.file("token", token())
            let relay = try Relay()
            defer { relay.stop() }
            let r = try run(
                "aws-sign-request", stdin: CredentialSetup.callerIdentity,
                env: setup.keyless([
                    "AWS_ENDPOINT_URL": relay.url, "AWS_ROLE_ARN": role.arn, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ROLE_SESSION_NAME": "ci-\(setup.unique)",
                ]))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(setup.arn(r).hasSuffix(":assumed-role/web-\(setup.unique)/ci-\(setup.unique)"), "\(r.stdout)")
            let assume = webIdentityRequests(relay.requests)
            #expect(assume.count == 1 && !assume[0].contains("Authorization:"), "unsigned, once: \(assume)")
        }

        /// A profile's token file is read again at each refresh: a rotated token is the one sent.
        @Test func aProfilesTokenFileIsReadAgainWhenTheKeysAreDue() throws {
            defer { setup.remove() }
            let role = try federation()
            defer { role.remove() }
            let first = token(marker: "first"), rotated = token(marker: "rotated")
            let tokenFile = try setup.file("token", first)
            let config = try setup.file(
                "config", "[profile ci]\nrole_arn = \(role.arn)\nweb_identity_token_file = \(tokenFile)\n")
            let relay = try Relay()
            defer { relay.stop() }
            try Emulator.configure(["credentialSeconds": 3])
            defer { setup.cleanUpRun() }
            let tool = try setup.outlastingRun(
                setup.keyless(["AWS_ENDPOINT_URL": relay.url, "AWS_CONFIG_FILE": config, "AWS_PROFILE": "ci"]))
            let assumed = Wait.until { !webIdentityRequests(relay.requests).isEmpty || !tool.isRunning }
            #expect(assumed && tool.isRunning, "the first AssumeRoleWithWebIdentity did not come")
            try setup.file("token", rotated)
            let r = tool.finish()
            setup.expectRenewedAhead(r)
            let sent = webIdentityRequests(relay.requests)
            #expect(sent.count >= 2, "\(sent.count) AssumeRoleWithWebIdentity")
            #expect(sent.first?.contains("WebIdentityToken=\(first)") == true)
            #expect(sent.last?.contains("WebIdentityToken=\(rotated)") == true, "the rotated token was not read")
            #expect(!r.stderr.contains(first) && !r.stderr.contains(rotated), "tokens never reach stderr")
        }

        @Test func aMissingTokenFileExits2AndAWrongAudienceExits1() throws {
            defer { setup.remove() }
            let role = try federation()
            defer { role.remove() }
            let missing = setup.dir + "/no-token"
            var r: ToolResult?
            let sent = try setup.actions {
                r = try run(
                    "aws-sign-request", stdin: CredentialSetup.callerIdentity,
                    env: setup.keyless(["AWS_ROLE_ARN": role.arn, "AWS_WEB_IDENTITY_TOKEN_FILE": missing]))
            }
            let noFile = try #require(r)
            #expect(noFile.status == 2 && noFile.stderr.contains(missing) && sent.isEmpty, "\(noFile.stderr) \(sent)")

            let wrong = try setup.file("token", token(audience: "someone-else"))
            let refused = try run(
                "aws-sign-request", stdin: CredentialSetup.callerIdentity,
                env: setup.keyless(["AWS_ROLE_ARN": role.arn, "AWS_WEB_IDENTITY_TOKEN_FILE": wrong]))
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(
                refused.stderr.contains("InvalidIdentityToken") && refused.stderr.contains(role.arn),
                "\(refused.stderr)")
        }
    }
}
