import Testing
@testable import AWSCore

/// IAM Identity Center profiles read the token `aws sso login` cached: `~/.aws/sso/cache/<sha1>.json`
/// named by the sha1 of the `sso_session` name, or of `sso_start_url` for a legacy profile
/// (botocore utils.py, SSOTokenLoader). Everything here is decided before any request.
struct SSOTokenCacheTests {
    let scratch = Scratch()
    static let sessionKey = "0ad374308c5a4e22f723adf10145eafad7c4031c"  // sha1("my-sso")
    static let legacyKey = "c7aaaf71fcc8777ae2475525ed049d39fe16c484"  // sha1 of the start URL below

    static let sessionProfile = """
        [profile dev]
        sso_session = my-sso
        sso_account_id = 123456789012
        sso_role_name = Admin
        [sso-session my-sso]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        """
    static let legacyProfile = """
        [profile dev]
        sso_start_url = https://my-sso-portal.awsapps.com/start
        sso_region = eu-west-1
        sso_account_id = 123456789012
        sso_role_name = Admin

        """

    func failure(_ config: String) -> ToolError? {
        scratch.file("config", config)
        do {
            _ = try scratch.resolve(scratch.environment(["AWS_PROFILE": "dev"]))
        } catch let e as ToolError { return e } catch {}
        return nil
    }

    @Test(arguments: [(sessionProfile, sessionKey), (legacyProfile, legacyKey)])
    func withoutACachedTokenTheMessageNamesTheFileAndTheLogin(config: String, key: String) throws {
        let e = try #require(failure(config))
        #expect(e.exitCode == 2)
        #expect(e.description.contains(".aws/sso/cache/\(key).json"), "\(e)")
        #expect(e.description.contains("aws sso login --profile dev"), "\(e)")
    }

    @Test(arguments: [(sessionProfile, sessionKey), (legacyProfile, legacyKey)])
    func anExpiredTokenAsksForALogin(config: String, key: String) throws {
        scratch.file(
            ".aws/sso/cache/\(key).json",
            #"{"startUrl":"https://my-sso-portal.awsapps.com/start","region":"eu-west-1","accessToken":"SECRETTOKEN","expiresAt":"2020-01-01T00:00:00Z"}"#
        )
        let e = try #require(failure(config))
        #expect(e.exitCode == 2)
        #expect(e.description.contains("expired") && e.description.contains("aws sso login --profile dev"), "\(e)")
        #expect(!e.description.contains("SECRETTOKEN"))
    }

    @Test func aTokenFileWithoutTokenIsInvalid() throws {
        scratch.file(".aws/sso/cache/\(Self.sessionKey).json", #"{"expiresAt":"2099-01-01T00:00:00Z"}"#)
        let e = try #require(failure(Self.sessionProfile))
        #expect(e.description.contains("accessToken") && e.description.contains("aws sso login --profile dev"), "\(e)")
    }

    @Test func aMissingSessionOrSettingIsNamed() throws {
        let noSession = try #require(
            failure("[profile dev]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = R\n"))
        #expect(noSession.exitCode == 2 && noSession.description.contains("sso-session gone"), "\(noSession)")
        let partial = try #require(failure("[profile dev]\nsso_account_id = 123456789012\nsso_start_url = https://x\n"))
        #expect(partial.exitCode == 2, "\(partial)")
        for missing in ["sso_role_name", "sso_region"] {
            #expect(partial.description.contains(missing), "\(partial)")
        }
    }

    /// botocore refuses a profile that says something else than its sso-session.
    @Test func aProfileContradictingItsSessionIsRefused() throws {
        let e = try #require(
            failure(
                Self.sessionProfile.replacing(
                    "sso_role_name = Admin", with: "sso_role_name = Admin\nsso_region = us-east-1")))
        #expect(e.description.contains("sso_region"), "\(e)")
    }

    @Test func theSessionSectionIsRead() {
        scratch.file("config", Self.sessionProfile)
        let config = SharedConfig(environment: scratch.environment())
        #expect(config.ssoSession("my-sso")?["sso_region"] == "eu-west-1")
        #expect(config.profile("my-sso") == nil, "an sso-session is not a profile")
    }
}
