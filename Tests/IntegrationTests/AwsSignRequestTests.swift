import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct AwsSignRequestTests {
        let form = #""headers":{"Content-Type":"application/x-www-form-urlencoded; charset=utf-8"}"#

        @Test func ec2DescribeImagesAsQueryPost() throws {
            let r = try run(
                "aws-sign-request",
                stdin:
                    #"{"service":"ec2",\#(form),"body":"Action=DescribeImages&Version=2016-11-15&Owner.1=099720109477"}"#
            )
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["status"] == 200)
            #expect((r.json?["json"]?["imagesSet"]?.array?.count ?? 0) >= 1)
        }

        @Test func s3PutAndListWithAPrefixThatNeedsEncoding() throws {
            let bucket = "sign-test-\(getpid())"
            let location =
                "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
            #expect(
                try run(
                    "aws-sign-request",
                    stdin: #"{"service":"s3","method":"PUT","path":"/\#(bucket)","body":"\#(location)"}"#
                ).status == 0)
            let key = "images/1.2 x+y/ü=файл.txt"
            let put = try run(
                "aws-sign-request",
                stdin: #"{"service":"s3","method":"PUT","path":"/\#(bucket)/\#(key)","body":"hello"}"#)
            #expect(put.status == 0, "\(put.stderr)")
            let list = try run(
                "aws-sign-request", ["--filter", ".json.Contents | map(.Key)"],
                stdin: #"{"service":"s3","path":"/\#(bucket)","query":{"list-type":"2","prefix":"images/1.2 x+y/"}}"#)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.json == [.string(key)])
            let file = NSTemporaryDirectory() + "body-\(getpid())"
            try Data(repeating: 0x41, count: 300_000).write(to: URL(fileURLWithPath: file))
            let streamed = try run(
                "aws-sign-request",
                stdin: #"{"service":"s3","method":"PUT","path":"/\#(bucket)/big","bodyFile":"\#(file)"}"#)
            #expect(streamed.status == 0, "\(streamed.stderr)")
            let out = file + ".out"
            let get = try run(
                "aws-sign-request", stdin: #"{"service":"s3","path":"/\#(bucket)/big","outputFile":"\#(out)"}"#)
            #expect(get.status == 0 && get.json?["bodyFile"] == .string(out))
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == 300_000)
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: out)
        }

        /// A HEAD answer announces a body that never comes: the tool must not wait for it ("partial
        /// file"), also when the request holds an empty body. A missing key is a 404 like any other status.
        @Test(arguments: ["", #","body":"""#])
        func s3HeadOfAnObjectAndOfAMissingKey(body: String) throws {
            let bucket = "head-test-\(getpid())-\(body.isEmpty ? "plain" : "empty-body")"
            try Emulator.makeBucket(bucket)
            let put = try run(
                "aws-sign-request", stdin: #"{"service":"s3","method":"PUT","path":"/\#(bucket)/k","body":"hello"}"#)
            #expect(put.status == 0, "\(put.stderr)")
            let head = try run(
                "aws-sign-request", stdin: #"{"service":"s3","method":"HEAD","path":"/\#(bucket)/k"\#(body)}"#)
            #expect(head.status == 0, "\(head.stderr)")
            #expect(head.json?["status"] == 200)
            #expect(head.json?["headers"]?["content-length"] == "5", "\(head.stdout)")
            #expect(head.json?["headers"]?["etag"] == #""5d41402abc4b2a76b9719d911017c592""#, "\(head.stdout)")
            #expect(head.json?["body"] == "")
            let missing = try run(
                "aws-sign-request", stdin: #"{"service":"s3","method":"HEAD","path":"/\#(bucket)/none"\#(body)}"#)
            #expect(missing.status == 1 && missing.stdout.isEmpty, "\(missing.stdout)")
            #expect(missing.stderr.hasPrefix("aws-sign-request: NotFound: HTTP 404"), "\(missing.stderr)")
            _ = try run("aws-sign-request", stdin: #"{"service":"s3","method":"DELETE","path":"/\#(bucket)/k"}"#)
            _ = try run("aws-sign-request", stdin: #"{"service":"s3","method":"DELETE","path":"/\#(bucket)"}"#)
        }

        @Test func codeBuildListProjectsAsJSON11() throws {
            let r = try run(
                "aws-sign-request",
                stdin:
                    #"{"service":"codebuild","headers":{"Content-Type":"application/x-amz-json-1.1","X-Amz-Target":"CodeBuild_20161006.ListProjects"},"body":"{}"}"#
            )
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["json"]?["projects"]?.array != nil)
        }

        @Test func aWrongSecretFailsWithTheSignatureError() throws {
            let env = Emulator.environment(["AWS_SECRET_ACCESS_KEY": "wrong-secret-wrong-secret"])
            let r = try run(
                "aws-sign-request",
                stdin: #"{"service":"ec2",\#(form),"body":"Action=DescribeImages&Version=2016-11-15"}"#, env: env)
            #expect(r.status == 1)
            #expect(r.stderr.contains("SignatureDoesNotMatch") || r.stderr.contains("AuthFailure"), "\(r.stderr)")
            #expect(!r.stderr.contains("wrong-secret") && !r.stdout.contains("wrong-secret"))
        }

        @Test func containerCredentialsFromALocalEndpoint() throws {
            let token = "container-token-\(getpid())"
            try Emulator.configure(["containerToken": .string(token)])
            // The emulator is shared: later tests expect its endpoint without a token.
            defer { try? Emulator.configure(["containerToken": .null]) }
            let env = Emulator.environment([
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": Emulator.endpoint + "/_emulator/container-credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
            ])
            let r = try run(
                "aws-sign-request",
                stdin: #"{"service":"ec2",\#(form),"body":"Action=DescribeKeyPairs&Version=2016-11-15"}"#, env: env)
            #expect(r.status == 0, "\(r.stderr)")
            var bad = env
            bad["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "not-the-token"
            let refused = try run(
                "aws-sign-request", stdin: #"{"service":"ec2","body":"Action=DescribeKeyPairs&Version=2016-11-15"}"#,
                env: bad)
            #expect(refused.status != 0)
        }

        @Test func instanceMetadataCredentialsWithASessionToken() throws {
            let env = Emulator.environment([
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_EC2_METADATA_DISABLED": nil,
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": Emulator.endpoint + "/_emulator/imds",
            ])
            let r = try run(
                "aws-sign-request",
                stdin: #"{"service":"ec2",\#(form),"body":"Action=DescribeKeyPairs&Version=2016-11-15"}"#, env: env)
            #expect(r.status == 0, "\(r.stderr)")
            let disabled = try run(
                "aws-sign-request", stdin: #"{"service":"ec2","body":"Action=DescribeKeyPairs"}"#,
                env: env.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
            #expect(disabled.status == 2 && disabled.stderr.contains("no AWS credentials found"), "\(disabled.stderr)")
        }

        @Test func everyCallSucceedsWithThirtyPercentFaults() throws {
            try Emulator.configure(["faultRate": 0.3, "faultKinds": ["slowdown", "throttling", "drop"]])
            defer { try? Emulator.configure(["faultRate": 0]) }
            let env = Emulator.environment(["AWS_MAX_ATTEMPTS": "10"])
            for i in 0..<20 {
                let body =
                    i % 2 == 0
                    ? #"{"service":"ec2",\#(form),"body":"Action=DescribeImages&Version=2016-11-15&Owner.1=self"}"#
                    : #"{"service":"s3","path":"/"}"#
                let r = try run("aws-sign-request", stdin: body, env: env)
                #expect(r.status == 0, "call \(i): \(r.stderr)")
            }
        }

        /// The README's first example gives no Content-Type: the form type is the default, so
        /// the parameters count (only the caller's images; a missing stack is an error).
        @Test func aQueryFormBodyIsSentAsAForm() throws {
            let me = try run(
                "aws-sign-request", ["-r", "--filter", ".json.GetCallerIdentityResult.Account"],
                stdin: #"{"service":"sts","body":"Action=GetCallerIdentity&Version=2011-06-15"}"#)
            #expect(me.status == 0, "\(me.stderr)")
            let images = try run(
                "aws-sign-request", ["-c", "--filter", "[.json.imagesSet[].imageOwnerId] | unique"],
                stdin: #"{"service":"ec2","body":"Action=DescribeImages&Version=2016-11-15&Owner.1=self"}"#)
            #expect(images.status == 0, "\(images.stderr)")
            let owners = images.json?.array ?? [.null]
            #expect(
                owners.allSatisfy { $0.string == me.stdout.trimmingCharacters(in: .whitespacesAndNewlines) },
                "\(images.stdout)")
            let missing = try run(
                "aws-sign-request",
                stdin: #"{"service":"cloudformation","body":"Action=DescribeStacks&Version=2010-05-15&StackName=nope"}"#
            )
            #expect(missing.status == 1 && missing.stderr.contains("ValidationError"), "\(missing.stderr)")
        }

        /// Empty lists of the query and S3 answers are `[]`, so `[]` in a filter works on them.
        @Test func emptyListsAreArraysInEveryProtocol() throws {
            let stacks = try run(
                "aws-sign-request", ["-c", "--filter", ".json.ListStacksResult.StackSummaries[]"],
                stdin:
                    #"{"service":"cloudformation","body":"Action=ListStacks&Version=2010-05-15&StackStatusFilter.member.1=IMPORT_ROLLBACK_FAILED"}"#
            )
            #expect(stacks.status == 0 && stacks.stdout.isEmpty, "\(stacks.stdout) \(stacks.stderr)")
            let roles = try run(
                "aws-sign-request", ["-c", "--filter", ".json.ListRolesResult.Roles"],
                stdin: #"{"service":"iam","body":"Action=ListRoles&Version=2010-05-08&PathPrefix=%2Fnothing-here%2F"}"#)
            #expect(roles.status == 0 && roles.json == .array([]), "\(roles.stdout) \(roles.stderr)")
            let buckets = try run(
                "aws-sign-request", ["-c", "--filter", "[.json.Buckets[].Name]"],
                stdin: #"{"service":"s3","path":"/","query":{"prefix":"no-such-bucket-prefix-"}}"#)
            #expect(buckets.status == 0 && buckets.json == .array([]), "\(buckets.stdout) \(buckets.stderr)")
        }

        /// Issue 22's jq examples: answers carry their model's types. `select(.encrypted)` picks
        /// the encrypted snapshot alone; an empty listing has `KeyCount` 0, `IsTruncated` false
        /// and `Contents` `[]`, so `.Contents[].Key` yields nothing and exits 0.
        @Test func answersAreTypedSoJqFiltersWork() throws {
            func ec2(_ form: String, _ filter: String) throws -> ToolResult {
                try run(
                    "aws-sign-request", ["-c", "--filter", filter],
                    stdin: #"{"service":"ec2","body":"Version=2016-11-15&\#(form)"}"#)
            }
            var snapshots: [String] = []
            for encrypted in ["true", "false"] {
                let volume = try ec2(
                    "Action=CreateVolume&AvailabilityZone=eu-west-1a&Size=2&Encrypted=\(encrypted)", ".json.volumeId")
                let snapshot = try ec2(
                    "Action=CreateSnapshot&VolumeId=\(volume.json?.string ?? "")", ".json.snapshotId")
                #expect(snapshot.status == 0, "\(volume.stderr) \(snapshot.stderr)")
                snapshots.append(snapshot.json?.string ?? "")
            }
            let picked = try ec2(
                "Action=DescribeSnapshots&SnapshotId.1=\(snapshots[0])&SnapshotId.2=\(snapshots[1])",
                "[.json.snapshotSet[] | select(.encrypted) | .snapshotId], [.json.snapshotSet[].volumeSize]")
            #expect(picked.stdout == "[\"\(snapshots[0])\"]\n[2,2]\n", "\(picked.stdout) \(picked.stderr)")

            let bucket = "typed-\(getpid())"
            try Emulator.makeBucket(bucket)
            let empty = try run(
                "aws-sign-request", ["-c", "--filter", ".json | (.KeyCount > 0), .IsTruncated, .Contents"],
                stdin: #"{"service":"s3","path":"/\#(bucket)","query":{"list-type":"2","prefix":"nothing/"}}"#)
            #expect(empty.stdout == "false\nfalse\n[]\n", "\(empty.stdout) \(empty.stderr)")
            let keys = try run(
                "aws-sign-request", ["-r", "--filter", ".json.Contents[].Key"],
                stdin: #"{"service":"s3","path":"/\#(bucket)","query":{"list-type":"2","prefix":"nothing/"}}"#)
            #expect(keys.status == 0 && keys.stdout.isEmpty, "\(keys.stdout) \(keys.stderr)")
        }

        @Test func malformedInputExitsTwoAndSendsNothing() throws {
            let before = try Emulator.requestCount()
            for (input, args) in [
                ("{not json", [String]()), (#"{"service":"ec2","headers":[]}"#, []), ("", []),
                (#"{"service":"ec2"}"#, ["--filter", ".["]), (#"{"service":"ec2"}"#, ["--nope"]),
                (#"{"service":"ec2"}"#, ["--time", "yesterday"]),
                (#"{"service":"s3","method":"HEAD","path":"/b/k","body":"x"}"#, []),
            ] {
                let r = try run("aws-sign-request", args, stdin: input)
                #expect(r.status == 2, "\(input) \(args): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
            let noRegion = try run(
                "aws-sign-request", stdin: #"{"service":"ec2","body":"Action=DescribeImages"}"#,
                env: Emulator.environment(["AWS_REGION": nil, "AWS_DEFAULT_REGION": nil]))
            #expect(noRegion.status == 2 && noRegion.stderr.contains("no AWS region"))
            #expect(try Emulator.requestCount() == before)
        }

        @Test func dryRunShowsEveryHeaderButNoSecret() throws {
            let env = Emulator.environment(["AWS_SESSION_TOKEN": "session-token-value"])
            let r = try run(
                "aws-sign-request", ["--dry-run", "--time", "20150830T123600Z"],
                stdin: #"{"service":"s3","region":"eu-west-1","method":"PUT","path":"/b/k","body":"x"}"#, env: env)
            #expect(r.status == 0, "\(r.stderr)")
            let h = r.json?["headers"]
            #expect(h?["X-Amz-Date"] == "20150830T123600Z")
            #expect(h?["X-Amz-Security-Token"] == "<redacted>" && !r.stdout.contains("session-token-value"))
            #expect(h?["x-amz-content-sha256"] != nil && h?["Authorization"] != nil)
            #expect(!r.stdout.contains(Emulator.settings["AWS_SECRET_ACCESS_KEY"]!) && r.stderr.isEmpty)
            let shown = try run(
                "aws-sign-request", ["--dry-run", "--show-secrets"],
                stdin: #"{"service":"s3","region":"eu-west-1","path":"/b/k"}"#, env: env)
            #expect(shown.json?["headers"]?["X-Amz-Security-Token"] == "session-token-value")
            #expect(shown.stderr.contains("--show-secrets: this output holds the session token"))
        }

        /// AWS may echo the request in an error message; the secret key and the session token
        /// never reach stderr or stdout through it.
        @Test func errorMessagesNeverShowTheSecretKey() throws {
            let secret = Emulator.settings["AWS_SECRET_ACCESS_KEY"]!
            let r = try run(
                "aws-sign-request",
                stdin:
                    #"{"service":"ec2",\#(form),"body":"Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-\#(PercentEncoding.encode(secret))"}"#
            )
            #expect(r.status == 1 && r.stderr.contains("<redacted>"), "\(r.stderr)")
            #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret))
        }

        @Test func assumeRoleThroughAProfile() throws {
            let role = "sign-test-role-\(getpid())"
            let trust =
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
            let create = try run(
                "aws-sign-request", ["--filter", ".json.CreateRoleResult.Role.Arn", "-r"],
                stdin: JSON.object([
                    ("service", "iam"), ("headers", ["Content-Type": "application/x-www-form-urlencoded"]),
                    (
                        "body",
                        .string(
                            PercentEncoding.form([
                                ("Action", "CreateRole"), ("Version", "2010-05-08"),
                                ("RoleName", .init(role)), ("AssumeRolePolicyDocument", trust),
                            ]))
                    ),
                ]).serialized())
            #expect(create.status == 0, "\(create.stderr)")
            let arn = create.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let dir = NSTemporaryDirectory() + "aws-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try
                "[base]\naws_access_key_id = \(Emulator.settings["AWS_ACCESS_KEY_ID"]!)\naws_secret_access_key = \(Emulator.settings["AWS_SECRET_ACCESS_KEY"]!)\n"
                .write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
            try "[profile deploy]\nrole_arn = \(arn)\nsource_profile = base\nregion = eu-west-1\n".write(
                toFile: dir + "/config", atomically: true, encoding: .utf8)
            let env = Emulator.environment([
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_PROFILE": "deploy",
                "AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
            ])
            let r = try run(
                "aws-sign-request", ["--filter", ".json.GetCallerIdentityResult.Arn", "-r"],
                stdin:
                    #"{"service":"sts","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"Action=GetCallerIdentity&Version=2011-06-15"}"#,
                env: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("assumed-role/\(role)"), "\(r.stdout)")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}
