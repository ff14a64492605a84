import Foundation
import Testing
import TestSupport
@testable import AWSCore

/// The credential routes the README promises beyond plain keys, each run as a process against
/// the emulator: container credentials by CodeBuild's RELATIVE_URI (a network namespace where
/// 169.254.170.2 leads to the emulator) and with a token file, a profile's role with
/// credential_source and its AssumeRole parameters (read from the relay's request log), and
/// AWS_DEFAULT_PROFILE.
extension Integration {
    @Suite struct CredentialSourceTests {
        let setup: CredentialSetup
        var unique: String { setup.unique }
        var dir: String { setup.dir }
        static let callerIdentity = CredentialSetup.callerIdentity

        init() throws { setup = try CredentialSetup() }

        func keyless(_ overrides: [String: String?]) -> [String: String] { setup.keyless(overrides) }
        func file(_ name: String, _ text: String) throws -> String { try setup.file(name, text) }
        func arn(_ r: ToolResult) -> String { setup.arn(r) }

        /// A role anyone in the account may assume, allowed everything; removed by the returned closure.
        func makeRole() throws -> (arn: String, remove: () -> Void) {
            try setup.makeRole(
                "role-\(unique)",
                trust:
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
            )
        }

        /// The role's parameters reach AssumeRole (the relay saw them), and AWS_DEFAULT_PROFILE picks the profile.
        /// With `credential_source = Environment` the environment's keys stay set: the named profile still
        /// decides, and AssumeRole is signed with those keys.
        @Test(arguments: [
            "source_profile = keys", "credential_source = Ec2InstanceMetadata", "credential_source = Environment",
        ])
        func aProfilesRoleIsAssumedWithItsParameters(source: String) throws {
            let role = try makeRole()
            defer { role.remove() }
            let settings = Emulator.settings
            let config = try file(
                "config",
                """
                [profile keys]
                aws_access_key_id = \(settings["AWS_ACCESS_KEY_ID"] ?? "")
                aws_secret_access_key = \(settings["AWS_SECRET_ACCESS_KEY"] ?? "")
                [profile release]
                role_arn = \(role.arn)
                \(source)
                external_id = ext-\(unique)
                role_session_name = session-\(unique)
                duration_seconds = 1800

                """)
            let relay = try Relay()
            defer { relay.stop() }
            let fromEnvironment = source.hasSuffix("Environment")
            let overrides: [String: String?] = [
                "AWS_ENDPOINT_URL": relay.url, "AWS_CONFIG_FILE": config,
                "AWS_SHARED_CREDENTIALS_FILE": dir + "/none",
                "AWS_DEFAULT_PROFILE": "release", "AWS_EC2_METADATA_DISABLED": nil,
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": relay.url + "/_emulator/imds",
            ]
            let r = try run(
                "aws-sign-request", stdin: Self.callerIdentity,
                env: fromEnvironment ? Emulator.environment(overrides) : keyless(overrides))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(arn(r).hasSuffix(":assumed-role/role-\(unique)/session-\(unique)"), "\(r.stdout)")
            let assume = relay.requests.components(separatedBy: "Action=AssumeRole").dropFirst().first ?? ""
            for parameter in ["ExternalId=ext-\(unique)", "RoleSessionName=session-\(unique)", "DurationSeconds=1800"] {
                #expect(assume.contains(parameter), "AssumeRole without \(parameter): \(assume.prefix(600))")
            }
            if fromEnvironment {
                // The request log holds the request before its body: AssumeRole's own Authorization header.
                let signing =
                    relay.requests.components(separatedBy: "Action=AssumeRole").first?
                    .components(separatedBy: "Authorization:").last ?? ""
                let keyId = try #require(settings["AWS_ACCESS_KEY_ID"])
                #expect(signing.contains("Credential=\(keyId)/"), "AssumeRole not signed with the environment's keys")
            }
        }

        @Test func containerCredentialsNeedTheTokenFromTheTokenFile() throws {
            try Emulator.configure(["containerToken": .string("token-\(unique)")])
            defer { try? Emulator.configure(["containerToken": nil]) }
            let uri = Emulator.endpoint + "/_emulator/container-credentials"
            let right = try file("token", "token-\(unique)\n"), wrong = try file("wrong", "not-the-token")
            let ok = try run(
                "aws-sign-request", stdin: Self.callerIdentity,
                env: keyless([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": right,
                ]))
            #expect(ok.status == 0 && !arn(ok).isEmpty, "\(ok.stderr)")
            let refused = try run(
                "aws-sign-request", stdin: Self.callerIdentity,
                env: keyless([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": wrong,
                ]))
            #expect(refused.status != 0 && refused.stderr.contains("container credentials"), "\(refused.stderr)")
        }

        /// CodeBuild's route: http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, fixed as in
        /// the SDKs. In a network namespace of its own that address is on the loopback, where a relay
        /// leads (through a Unix socket) to the emulator, which also answers the AWS request there.
        @Test func containerCredentialsByCodeBuildsRelativeURI() throws {
            guard TestPrecondition.met(getuid() == 0, "a network namespace with 169.254.170.2 needs root") else {
                return
            }
            try Emulator.configure(["containerToken": .string("token-\(unique)")])
            defer { try? Emulator.configure(["containerToken": nil]) }
            let socket = dir + "/\(unique).sock"
            let outside = try Relay(listen: socket)
            defer { outside.stop() }
            let inside = dir + "/\(unique)-inside"
            try FileManager.default.createDirectory(atPath: inside, withIntermediateDirectories: true)
            let token = try file("token", "token-\(unique)")
            let script = """
                ip link set lo up && ip addr add 169.254.170.2/32 dev lo
                python3 "$RELAY" --listen 169.254.170.2:80 --to "unix:$SOCKET" --state "$INSIDE" & relay=$!
                trap 'kill -9 $relay' EXIT
                for _ in $(seq 100); do [ -f "$INSIDE/port" ] && break; sleep 0.1; done
                "$TOOL" <<<"$REQUEST"
                """
            let r = try run(
                "/usr/bin/unshare", ["-n", "/bin/bash", "-ec", script],
                env: keyless([
                    "AWS_ENDPOINT_URL": "http://169.254.170.2",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/_emulator/container-credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token, "RELAY": Seed.root + "/Tests/network/relay.py",
                    "SOCKET": socket,
                    "INSIDE": inside, "TOOL": Emulator.bin + "/aws-sign-request", "REQUEST": Self.callerIdentity,
                ]))
            #expect(r.status == 0 && !arn(r).isEmpty, "\(r.stderr)")
            let requests = outside.requests
            #expect(requests.contains("GET /_emulator/container-credentials HTTP/1.1"), "\(requests.prefix(400))")
            #expect(requests.contains("Authorization: token-\(unique)"), "the token file's token was not sent")
        }
    }
}
