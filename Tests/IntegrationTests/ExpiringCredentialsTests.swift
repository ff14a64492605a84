import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// CodeBuild's container credentials last about an hour, an export often longer: here they
    /// last a few seconds, and a tool that never renewed them would die with RequestExpired or
    /// ExpiredToken half-way.
    @Suite struct ExpiringCredentialsTests {
        let aws: AWSClient
        let unique: String

        init() throws {
            aws = try AWSClient(environment: Emulator.environment())
            unique = "\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        }

        /// A role allowed everything, whose keys the emulator's container endpoint hands out.
        func makeRole() throws -> (arn: String, name: String) {
            let name = "expiring-\(unique)"
            let trust =
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","#
                + #""Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            let created = try aws.query("iam", "CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trust)])
            let arn = created["CreateRoleResult"]!["Role"]!["Arn"]!.string!
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            _ = try aws.query(
                "iam", "PutRolePolicy",
                [("RoleName", name), ("PolicyName", "all"), ("PolicyDocument", policy)])
            return (arn, name)
        }

        func removeRole(_ name: String) {
            _ = try? aws.query("iam", "DeleteRolePolicy", [("RoleName", name), ("PolicyName", "all")])
            _ = try? aws.query("iam", "DeleteRole", [("RoleName", name)])
        }

        /// The tool's environment: no keys of its own, only the container endpoint (CodeBuild's way).
        var containerEnvironment: [String: String] {
            Emulator.environment([
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_SESSION_TOKEN": nil,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": Emulator.endpoint + "/_emulator/container-credentials",
            ])
        }

        /// An AMI of a fresh instance, made with the container's keys, and a bucket for its images.
        func imageAndBucket(_ assetId: String) throws -> (image: String, bucket: String) {
            let bucket = "expiring-\(unique)"
            try Emulator.makeBucket(bucket, with: aws)
            var p = QueryParams()
            p.add("ImageId", "ami-0a2b3c4d5e6f70001")
            p.add("InstanceType", "t3.micro")
            p.add("MinCount", "1")
            p.add("MaxCount", "1")
            let instance = try aws.query("ec2", "RunInstances", p.pairs)["instancesSet"]!.list[0]["instanceId"]!.string!
            let image = try run(
                "ami-export",
                [
                    "image", "--instance-id", instance, "--name", "sandbox-\(assetId)",
                    "--asset-id", assetId, "--no-reboot",
                ], env: containerEnvironment)
            #expect(image.status == 0, "\(image.stderr)")
            return (image.stdout, bucket)
        }

        @Test func anExportOutlastingItsCredentialsCompletes() throws {
            let role = try makeRole()
            defer { removeRole(role.name) }
            let assetId = "expiring-\(unique)"

            // Keys that live 4 s; two formats side by side (threads) polling for 12 s each, then one
            // moved in parallel parts (sibling clients on other threads), as the release publishes it.
            try Emulator.configure([
                "containerRoleArn": .string(role.arn), "credentialSeconds": 4,
                "exportSeconds": 12, "exportBytes": .number(Double(11 << 20)),
            ])
            defer {
                try? Emulator.configure(["containerRoleArn": nil, "credentialSeconds": 3600])
                try? Emulator.configure(AmiExportTests.defaults)
            }
            let (image, bucket) = try imageAndBucket(assetId)
            let r = try run(
                "ami-export",
                [
                    "export", "--format", "vmdk", "--format", "raw", "--bucket", bucket, "--asset-id", assetId,
                ],
                stdin: image, env: containerEnvironment.merging(["SANDBOX_DEBUG": "1"]) { $1 })
            #expect(r.status == 0, "\(r.stderr.suffix(3000))")
            #expect(r.json?.array?.count == 2)
            #expect(r.stderr.contains("credentials renewed"), "\(r.stderr.suffix(3000))")
            let raw = try #require(r.json?.array?.last)
            let moved = try run(
                "ami-export",
                [
                    "rename", "--bucket", bucket, "--key", raw["Key"]!.string!, "--to", raw["PublishKey"]!.string!,
                    "--copy-threshold", "5MiB", "--part-size", "5MiB",
                ], env: containerEnvironment)
            #expect(moved.status == 0 && moved.json?["Parts"] == 3, "\(moved.stderr.suffix(3000))")
        }

        /// Keys that expire before their Expiration (revoked, or a clock ahead): early renewal
        /// cannot see it coming, so the expired-token answer itself must renew them once.
        @Test func keysThatExpireEarlyAreRenewedOnTheExpiredAnswer() throws {
            let role = try makeRole()
            defer { removeRole(role.name) }
            let assetId = "revoked-\(unique)"
            try Emulator.configure([
                "containerRoleArn": .string(role.arn), "credentialSeconds": 3600, "exportSeconds": 8,
            ])
            defer {
                try? Emulator.configure(["containerRoleArn": nil, "credentialSeconds": 3600])
                try? Emulator.configure(AmiExportTests.defaults)
            }
            let (image, bucket) = try imageAndBucket(assetId)
            let tool = try StartedTool(
                "ami-export", ["export", "--format", "vmdk", "--bucket", bucket, "--asset-id", assetId], stdin: image,
                env: containerEnvironment.merging(["SANDBOX_DEBUG": "1"]) { $1 })
            let active = try Wait.until {
                try !ExportTasks(aws).tagged("asset-id", matching: AssetIdPattern(assetId)).filter(\.isActive).isEmpty
                    || !tool.isRunning
            }
            #expect(active && tool.isRunning, "the export did not start")
            let expired = try Emulator.control("POST", Emulator.endpoint + "/_emulator/expire-credentials")
            #expect((expired["expired"]?.number ?? 0) > 0)
            let r = tool.finish(), stderr = r.stderr
            #expect(r.status == 0, "\(stderr.suffix(3000))")
            #expect(stderr.contains("RequestExpired: renewing"), "\(stderr.suffix(3000))")
        }
    }
}
