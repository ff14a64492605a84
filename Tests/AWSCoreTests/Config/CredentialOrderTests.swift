import Testing
@testable import AWSCore

/// The chain in botocore's order (credentials.py, create_credential_resolver and
/// ProfileProviderBuilder.providers): environment keys; then the profile's role_arn (AssumeRole),
/// web identity, IAM Identity Center, the credentials file's keys, credential_process, the config
/// file's keys; then container and instance metadata. A named profile decides alone (README).
/// Only what needs no request is checked here; the emulator tests cover the rest.
struct CredentialOrderTests {
    let scratch = Scratch()

    /// A credential_process printing the key id `id`.
    func process(_ id: String) -> String {
        scratch.file(
            "bin/\(id)", "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"\(id)\",\"SecretAccessKey\":\"s\"}'\n",
            mode: 0o755)
    }

    func keyId(_ extra: [String: String] = [:]) throws -> String {
        try scratch.resolve(scratch.environment(extra)).accessKeyId
    }

    func message(_ extra: [String: String] = [:]) -> String {
        do { return "no error, got \(try keyId(extra))" } catch { return "\(error)" }
    }

    @Test func theCredentialsFilesKeysComeBeforeTheProcessAndTheConfigFilesAfter() throws {
        scratch.file("credentials", "[dev]\naws_access_key_id = AKCREDFILE\naws_secret_access_key = s\n")
        scratch.file("config", "[profile dev]\ncredential_process = \(process("AKPROCESS"))\n")
        #expect(try keyId(["AWS_PROFILE": "dev"]) == "AKCREDFILE")
        scratch.file("credentials", "")
        scratch.file(
            "config",
            "[profile dev]\naws_access_key_id = AKCONFIG\naws_secret_access_key = s\ncredential_process = \(process("AKPROCESS"))\n"
        )
        #expect(try keyId(["AWS_PROFILE": "dev"]) == "AKPROCESS")
    }

    @Test func withoutANamedProfileEnvironmentKeysComeBeforeTheDefaultProfile() throws {
        scratch.file("config", "[default]\ncredential_process = \(process("AKDEFAULT"))\n")
        #expect(try keyId(["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s"]) == "AKENV")
        #expect(try keyId() == "AKDEFAULT")
    }

    /// botocore goes on to container and instance metadata when the default profile holds only
    /// settings (a region): the miss then names everything looked at.
    @Test func aDefaultProfileWithoutCredentialsFallsThrough() {
        scratch.file("config", "[default]\nregion = eu-west-1\n")
        let m = message()
        #expect(m.contains("no AWS credentials found") && m.contains("AWS_WEB_IDENTITY_TOKEN_FILE"), "\(m)")
    }

    @Test func aNamedProfileWithoutCredentialsSaysWhatItMayHold() {
        scratch.file("config", "[profile dev]\nregion = eu-west-1\n")
        let m = message(["AWS_PROFILE": "dev"])
        for setting in [
            "aws_access_key_id", "role_arn", "web_identity_token_file", "sso_session", "credential_process",
        ] {
            #expect(m.contains(setting), "\(m)")
        }
    }

    /// Web identity from the environment: after the default profile's role, before its other
    /// sources; not at all when a profile is named (botocore's disable_env_vars).
    @Test func webIdentityFromTheEnvironment() {
        let token = scratch.path + "/missing-token"
        let webIdentity = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
        ]
        scratch.file("config", "[default]\ncredential_process = \(process("AKDEFAULT"))\n")
        let m = message(webIdentity)
        #expect(m.contains(token) && m.contains("AWS_WEB_IDENTITY_TOKEN_FILE"), "\(m)")
        let noRole = message(["AWS_WEB_IDENTITY_TOKEN_FILE": scratch.file("token", "jwt")])
        #expect(noRole.contains("AWS_ROLE_ARN"), "\(noRole)")
        scratch.file("config", "[profile dev]\ncredential_process = \(process("AKDEV"))\n")
        #expect(message(webIdentity.merging(["AWS_PROFILE": "dev"]) { $1 }) == "no error, got AKDEV")
    }

    @Test func webIdentityOfAProfileComesBeforeItsAssumeRole() {
        let token = scratch.path + "/missing-token"
        scratch.file(
            "config",
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = \(token)\nsource_profile = dev\n"
        )
        let m = message(["AWS_PROFILE": "dev"])
        #expect(m.contains(token) && m.contains("web_identity_token_file"), "\(m)")
    }

    /// A role's source profile is resolved by the same sources (here a credential_process).
    @Test func aSourceProfileMayBeAProcess() {
        let failing = scratch.file("bin/failing", "#!/bin/sh\nexit 3\n", mode: 0o755)
        scratch.file(
            "config",
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = vault\n[profile vault]\ncredential_process = \(failing)\n"
        )
        let m = message(["AWS_PROFILE": "dev"])
        #expect(m.contains("profile 'vault'") && m.contains("exited with status 3"), "\(m)")
    }

    @Test func aSourceProfileThatDoesNotExistIsNamed() {
        scratch.file("config", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = gone\n")
        let m = message(["AWS_PROFILE": "dev"])
        #expect(m.contains("'gone'") && m.contains("profile 'dev'"), "\(m)")
    }
}
