import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 9: a refusal states the rule and the fix, and a partial list says so.
    @Suite struct RuleMessageTests {
        let tag = "rm\(getpid())"

        @Test(arguments: [
            ("start-release", ["--asset-id", "1.2.0", "--env", "FOO"], "NAME=VALUE"),
            ("start-release", ["--asset-id", "1.2.0", "--env", "1X=y"], "NAME=VALUE"),
            ("start-release", ["--asset-id", "1.2.0", "--timeout", "-5"], "positive number of seconds"),
            ("cfn-deploy", ["--describe", "--stack", "s", "--timeout", "-5"], "positive number of seconds"),
            (
                "ami-export", ["image", "--instance-id", "i-1", "--name", "abc", "--asset-id", "x", "--timeout", "0"],
                "positive number of seconds"
            ),
            ("purge-assets", ["--asset-id", "x", "--stack-timeout", "never"], "positive number of seconds"),
            ("purge-assets", ["--asset-id", "x", "--expect-count", "-1"], "number of assets"),
            ("list-assets", ["--asset-id", "1.2.[0-9]"], "'*' and '?'"),
            ("purge-assets", ["--asset-id", "1.2.[0-9]"], "'*' and '?'"),
            ("keypair", ["create", "--asset-id", "bad id", "--key-file", "/tmp/x.pem"], "letters, digits"),
            ("list-assets", ["--asset-id", "x", "--region", "eu-west-99"], "eu-west-1"),
        ])
        func theFirstLineStatesTheRule(_ tool: String, _ args: [String], _ rule: String) throws {
            let before = try Emulator.requestCount()
            let r = try run(tool, args, stdin: "")
            #expect(
                r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains(rule), "\(args): \(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }

        @Test func aRegionOfEverySovereignPartitionIsKnown() throws {
            let r = try run(
                "aws-sign-request", ["--dry-run", "--region", "eusc-de-east-1"], stdin: #"{"service":"ec2"}"#,
                env: Emulator.environment(["AWS_ENDPOINT_URL": nil]))
            #expect(
                r.status == 0 && r.json?["url"] == "https://ec2.eusc-de-east-1.amazonaws.eu/", "\(r.stdout) \(r.stderr)"
            )
        }

        /// Without a VM bucket the S3 objects are not listed: the output says so, and the exit
        /// status too unless --allow-partial.
        @Test func aListWithoutTheVMBucketIsMarkedPartial() throws {
            let id = "\(tag)-p"
            let args = ["--asset-id", id, "--region", "ap-south-1"]
            let partial = try run("list-assets", args)
            let marker: JSON? = partial.json?.array?.last
            #expect(
                partial.status == 1 && marker?["Kind"] == "not-listed" && marker?["Id"] == "s3-object"
                    && marker?["Reason"]?.string?.contains("--bucket") == true, "\(partial.stdout) \(partial.stderr)")
            #expect(partial.stderr.contains("--allow-partial"), "\(partial.stderr)")
            let allowed = try run("list-assets", args + ["--allow-partial"])
            #expect(allowed.status == 0 && allowed.json == partial.json, "\(allowed.stderr)")
            let table = try run("list-assets", args + ["--allow-partial", "--format", "table"])
            #expect(table.status == 0 && table.stdout.contains("not listed: s3-object"), "\(table.stdout)")
            // purge-assets takes the marker for what it is: no asset.
            let purge = try run("purge-assets", ["--asset-id", id, "--region", "ap-south-1"], stdin: allowed.stdout)
            #expect(purge.status == 0 && purge.stdout.isEmpty && purge.stderr.contains("partial"), "\(purge.stderr)")
            // Without S3 among the kinds, nothing is missing.
            let kinds = try run("list-assets", args + ["--kinds", "ami"])
            #expect(kinds.status == 0 && kinds.json == [], "\(kinds.stderr)")
        }
    }
}
