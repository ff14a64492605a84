import Testing
@testable import AWSCore

struct ConfigTests {
    func tempFile(_ text: String) -> String {
        var template = Array("/tmp/sandbox-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        let path = String(cString: template)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        return path
    }

    @Test func profilesFromBothFilesWithCredentialsWinning() {
        let config = tempFile(
            """
            [default]
            region = eu-west-1
            [profile dev]
            region=us-east-2 ; a comment
            role_arn = arn:aws:iam::123456789012:role/r
            source_profile = base
            s3 =
              addressing_style = path
            [sso-session x]
            region = nowhere
            """)
        let creds = tempFile(
            """
            # comment
            [base]
            aws_access_key_id = AKBASE
            aws_secret_access_key = secret#notacomment
            [dev]
            region = ap-south-1
            """)
        let env = ["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_PROFILE": "dev"]
        let c = SharedConfig(environment: env)
        #expect(c.profileName == "dev")
        #expect(c.value("region") == "ap-south-1")
        #expect(c.value("role_arn") == "arn:aws:iam::123456789012:role/r")
        #expect(c.value("s3.addressing_style") == "path")
        #expect(c.value("aws_secret_access_key", profile: "base") == "secret#notacomment")
        #expect(c.value("region", profile: "default") == "eu-west-1")
        #expect(c.profile("x") == nil)
        unlink(config)
        unlink(creds)
    }

    /// Environment keys come first unless a profile is named (flag, AWS_PROFILE, AWS_DEFAULT_PROFILE):
    /// then that profile decides, and a missing one is an error rather than a silent fall-back.
    @Test func aNamedProfileDecidesOverEnvironmentKeys() throws {
        let creds = tempFile(
            """
            [default]
            aws_access_key_id = AKDEFAULT
            aws_secret_access_key = s
            [dev]
            aws_access_key_id = AKDEV
            aws_secret_access_key = s
            """)
        defer { unlink(creds) }
        let base = [
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": creds,
            "AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s",
        ]
        func keyId(_ extra: [String: String], flag: String? = nil) throws -> String {
            let env = base.merging(extra) { $1 }
            return try CredentialChain(environment: env, config: SharedConfig(environment: env, profile: flag))
                .resolve(http: HTTPClient(environment: env)).accessKeyId
        }
        #expect(try keyId([:]) == "AKENV")
        #expect(try keyId(["AWS_PROFILE": "dev"]) == "AKDEV")
        #expect(try keyId(["AWS_DEFAULT_PROFILE": "dev"]) == "AKDEV")
        #expect(try keyId(["AWS_PROFILE": "default"]) == "AKDEFAULT")
        #expect(try keyId([:], flag: "dev") == "AKDEV")
        #expect(throws: ToolError.self) { try keyId(["AWS_PROFILE": "missing"]) }
    }

    @Test func regionOrderAndErrors() throws {
        let none = SharedConfig(environment: [
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ])
        #expect(
            try Region.resolve(
                flag: nil, environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "x"], config: none)
                == "eu-west-1")
        #expect(
            try Region.resolve(flag: "us-west-2", environment: ["AWS_REGION": "eu-west-1"], config: none) == "us-west-2"
        )
        #expect(
            try Region.resolve(flag: nil, environment: ["AWS_DEFAULT_REGION": "ca-central-1"], config: none)
                == "ca-central-1")
        #expect(throws: (any Error).self) { try Region.resolve(flag: nil, environment: [:], config: none) }
        #expect(throws: (any Error).self) { try Region.resolve(flag: "EU WEST", environment: [:], config: none) }
        for typo in ["eu-wset-1", "eu-west", "euwest-1", "eu-west-1a", "xx-west-1"] {
            #expect(throws: (any Error).self, "\(typo)") {
                try Region.resolve(flag: typo, environment: [:], config: none)
            }
        }
        #expect(try Region.resolve(flag: "us-gov-west-1", environment: [:], config: none) == "us-gov-west-1")
        #expect(try Region.resolve(flag: "ap-southeast-5", environment: [:], config: none) == "ap-southeast-5")
    }

    @Test func staticCredentialsFromEnvironmentThenProfile() throws {
        let creds = tempFile(
            "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\naws_session_token = TK\n")
        let files = [
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": creds,
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let http = HTTPClient(environment: [:])
        let fromEnv = try CredentialChain(
            environment: files.merging(["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "SKENV"]) { $1 },
            config: SharedConfig(environment: files)
        ).resolve(http: http)
        #expect(fromEnv.accessKeyId == "AKENV" && fromEnv.source == "environment")
        let fromFile = try CredentialChain(environment: files, config: SharedConfig(environment: files)).resolve(
            http: http)
        #expect(fromFile.accessKeyId == "AKFILE" && fromFile.sessionToken == "TK")
        #expect(!fromFile.description.contains("SKFILE") && !fromFile.description.contains("TK"))
        let empty = [
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        #expect(throws: (any Error).self) {
            try CredentialChain(environment: empty, config: SharedConfig(environment: empty)).resolve(http: http)
        }
        unlink(creds)
    }

    @Test func endpointsWithExceptionsAndOverrides() {
        #expect(
            Endpoint.resolve(service: "ec2", region: "eu-west-1", environment: [:]).url
                == "https://ec2.eu-west-1.amazonaws.com")
        let iam = Endpoint.resolve(service: "iam", region: "eu-west-1", environment: [:])
        #expect(iam.url == "https://iam.amazonaws.com" && iam.signingRegion == "us-east-1")
        #expect(
            Endpoint.resolve(service: "ec2", region: "cn-north-1", environment: [:]).url
                == "https://ec2.cn-north-1.amazonaws.com.cn")
        let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5055/", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]
        #expect(Endpoint.resolve(service: "ec2", region: "eu-west-1", environment: env).url == "http://127.0.0.1:5055")
        #expect(Endpoint.resolve(service: "s3", region: "eu-west-1", environment: env).url == "http://127.0.0.1:9000")
        let ignored = env.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 }
        #expect(
            Endpoint.resolve(service: "s3", region: "eu-west-1", environment: ignored).url
                == "https://s3.eu-west-1.amazonaws.com")
        let sm = Endpoint.resolve(
            service: "secretsmanager", region: "eu-west-1",
            environment: ["AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://x"])
        #expect(sm.url == "http://x")
        // IAM Identity Center's portal and OIDC service, by their service ids "SSO" and "SSO OIDC".
        for (service, host, variable) in [
            ("sso", "portal.sso", "AWS_ENDPOINT_URL_SSO"), ("sso-oidc", "oidc", "AWS_ENDPOINT_URL_SSO_OIDC"),
        ] {
            let own = Endpoint.resolve(service: service, region: "eu-west-1", environment: [:])
            #expect(own.url == "https://\(host).eu-west-1.amazonaws.com")
            #expect(
                Endpoint.resolve(service: service, region: "eu-west-1", environment: [variable: "http://x"]).url
                    == "http://x")
        }
    }

    @Test func s3AddressingStyle() {
        let aws = Endpoint.resolve(service: "s3", region: "eu-west-1", environment: [:])
        #expect(
            aws.s3URL(bucket: "my-bucket", key: "images/a b.vmdk")
                == "https://my-bucket.s3.eu-west-1.amazonaws.com/images/a%20b.vmdk")
        #expect(aws.s3URL(bucket: "my.bucket", key: "k") == "https://s3.eu-west-1.amazonaws.com/my.bucket/k")
        let local = Endpoint.resolve(
            service: "s3", region: "eu-west-1", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5055"])
        #expect(local.s3URL(bucket: "b", query: "list-type=2") == "http://127.0.0.1:5055/b?list-type=2")
    }
}
