import Foundation
import Testing
@testable import AWSCore

extension Integration {
    /// What a new user trips over first: each mistake is named, before any request.
    @Suite struct PapercutTests {
        /// `sleep 4 | cfn-deploy --describe --stack S`: the flags say stdin has nothing to give, so
        /// the tool never reads it (here: it would choke on what the pipe holds).
        @Test func cfnDeployDescribeDoesNotReadStdin() throws {
            let r = try run("cfn-deploy", ["--describe", "--stack", "no-such-stack-\(getpid())"], stdin: "{not json")
            #expect(r.status == 1 && r.stderr.contains("does not exist"), "\(r.stdout) \(r.stderr)")
            let reads = try run("cfn-deploy", ["--describe"], stdin: "{not json")
            #expect(reads.status == 2 && reads.stderr.contains("malformed JSON"), "\(reads.stderr)")
        }

        @Test func aTableIntoPurgeAssetsIsRefusedWithAHint() throws {
            let id = "papercut-\(getpid())"
            let table = try run("list-assets", ["--asset-id", id, "--kinds", "key-pair", "--format", "table"])
            #expect(table.status == 0, "\(table.stderr)")
            let before = try Emulator.requestCount()
            let r = try run("purge-assets", ["--yes", "--asset-id", id], stdin: table.stdout + "\n")
            #expect(r.status == 2 && r.stderr.contains("use --format json"), "\(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }

        @Test func aMisspeltFlagIsNamedEvenWhenARequiredOneIsMissing() throws {
            let r = try run("keypair", ["create", "--asset-idd", "1.0", "--key-file", "/tmp/x-\(getpid()).pem"])
            #expect(r.status == 2 && r.stderr.contains("--asset-idd"), "\(r.stderr)")
            let hidden = try run(
                "ami-export", ["export", "--cloudfront-domain", "d.example", "--bucket", "b", "--asset-id", "1"])
            #expect(hidden.status == 2 && !hidden.stderr.contains("cloudfront-domain"), "\(hidden.stderr)")
        }

        @Test func aRegionTypoExits2BeforeAnyRequest() throws {
            let before = try Emulator.requestCount()
            let r = try run("list-assets", ["--asset-id", "x", "--region", "eu-wset-1"])
            #expect(
                r.status == 2 && r.stderr.contains("eu-wset-1") && r.stderr.split(separator: "\n").count == 1,
                "\(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }

        @Test func aUrlOfAnotherRegionIsNamedWithTheSigningRegion() throws {
            let r = try run(
                "aws-sign-request", ["--dry-run"],
                stdin:
                    #"{"service":"ec2","region":"eu-west-1","url":"https://ec2.us-east-1.amazonaws.com/","body":"Action=DescribeImages"}"#
            )
            #expect(
                r.status == 0 && r.stderr.contains("us-east-1") && r.stderr.contains("signed for eu-west-1"),
                "\(r.stderr)")
            let same = try run(
                "aws-sign-request", ["--dry-run"],
                stdin:
                    #"{"service":"ec2","region":"us-east-1","url":"https://ec2.us-east-1.amazonaws.com/","body":"Action=DescribeImages"}"#
            )
            #expect(same.status == 0 && same.stderr.isEmpty, "\(same.stderr)")
        }

        @Test func debugLinesNameTheAction() throws {
            let r = try run(
                "aws-sign-request", stdin: #"{"service":"ec2","body":"Action=DescribeKeyPairs&Version=2016-11-15"}"#,
                env: Emulator.environment(["SANDBOX_DEBUG": "1"]))
            #expect(r.status == 0 && r.stderr.contains("ec2:DescribeKeyPairs POST "), "\(r.stderr)")
        }

        @Test func renamingAMissingKeySaysTheKeyIsMissing() throws {
            let bucket = "papercut-\(getpid())"
            try Emulator.makeBucket(bucket)
            let r = try run(
                "ami-export", ["rename", "--bucket", bucket, "--key", "images/nope.raw", "--to", "images/x.raw"])
            #expect(
                r.status == 1 && r.stderr.contains("images/nope.raw is missing")
                    && !r.stderr.contains("export the image"), "\(r.stderr)")
        }
    }
}
