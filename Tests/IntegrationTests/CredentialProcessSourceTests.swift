import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// A profile's `credential_process`, as aws-vault or granted provide it: here a script that
    /// fetches a role's fresh keys from the emulator's container endpoint (lasting
    /// `credentialSeconds`), counts its runs and talks on stderr.
    @Suite struct CredentialProcessSourceTests {
        let setup: CredentialSetup

        init() throws { setup = try CredentialSetup() }

        /// A profile `vault` whose credential_process is `script`, run with its runs file and the
        /// endpoint as arguments (paths with spaces, quoted as the AWS CLI documents).
        func profile(_ script: String) throws -> (env: [String: String], runs: String) {
            let path = try setup.file("bin/creds helper", script, executable: true)
            let runs = setup.dir + "/runs"
            let config = try setup.file(
                "config",
                """
                [profile vault]
                credential_process = "\(path)" "\(runs)" \(Emulator.endpoint)/_emulator/container-credentials
                region = eu-west-1

                """)
            return (setup.keyless(["AWS_CONFIG_FILE": config, "AWS_PROFILE": "vault"]), runs)
        }

        static let fetching = """
            #!/bin/sh
            echo "creds helper: fetching" >&2
            echo run >> "$1"
            curl -sf "$2" | jq '{Version: 1, AccessKeyId, SecretAccessKey, SessionToken: .Token, Expiration}'

            """

        func runs(_ file: String) -> Int {
            ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        @Test func itsKeysSignAndItRunsAgainBeforeTheyExpire() throws {
            defer { setup.remove() }
            let role = try setup.makeRole(
                "process-\(setup.unique)",
                trust:
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            )
            defer { role.remove() }
            try Emulator.configure(["containerRoleArn": .string(role.arn), "credentialSeconds": 3])
            defer { try? Emulator.configure(["containerRoleArn": nil]) }
            let (env, runs) = try profile(Self.fetching)

            let identity = try run("aws-sign-request", stdin: CredentialSetup.callerIdentity, env: env)
            #expect(identity.status == 0, "\(identity.stderr)")
            #expect(setup.arn(identity).contains(":assumed-role/process-\(setup.unique)/"), "\(identity.stdout)")
            #expect(identity.stderr.contains("creds helper: fetching"), "the process's stderr passes through")

            defer { setup.cleanUpRun() }
            let before = self.runs(runs)
            let r = try setup.outlastingRun(env).finish()
            setup.expectRenewedAhead(r)
            #expect(self.runs(runs) - before >= 2, "the process ran again for keys that were due")
        }

        /// A local failure before any request: exit 2, the process's own words on stderr and ours.
        @Test func aFailingProcessExits2BeforeAnyRequest() throws {
            defer { setup.remove() }
            let (env, _) = try profile("#!/bin/sh\necho 'aws-vault: no session for profile prod' >&2\nexit 1\n")
            var r: ToolResult?
            let sent = try setup.actions {
                r = try run("aws-sign-request", stdin: CredentialSetup.callerIdentity, env: env)
            }
            let result = try #require(r)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("aws-vault: no session for profile prod"), "\(result.stderr)")
            #expect(
                result.stderr.contains("profile 'vault': credential_process") && result.stderr.contains("status 1"),
                "\(result.stderr)")
            #expect(sent.isEmpty, "\(sent)")
        }
    }
}
