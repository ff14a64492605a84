import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 7: the conventions of the aws CLI: `--version`, `--endpoint-url`,
    /// `--debug`, a change set left for review, and repeated `--filter`s chained as jq's pipe.
    @Suite struct ConventionTests {
        static let tools = [
            "aws-sign-request", "cfn-deploy", "keypair", "tag-assets", "list-assets", "purge-assets", "ami-export",
            "start-release", "security-group", "preflight",
        ]
        let unique = "\(getpid())-\(Int.random(in: 1000...9999))"

        /// The commit `make build` baked in: the checkout's HEAD (12 hex digits), or `unknown`
        /// outside a git checkout.
        static let commit: String = {
            let r = try? StartedTool("/usr/bin/env", ["git", "-C", Seed.root, "rev-parse", "--short=12", "HEAD"])
                .finish()
            return r?.status == 0 ? r!.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
        }()

        @Test(arguments: tools)
        func everyToolSaysItsVersionAndCommit(_ tool: String) throws {
            let r = try run(tool, ["--version"])
            let line = r.stdout.trimmingCharacters(in: .newlines)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
            let shape = try Regex(#"[0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)"#)
            let matched = try shape.wholeMatch(in: line) != nil
            #expect(matched && line.contains("commit \(Self.commit)"), "\(line)")
        }

        @Test func endpointURLAndDebugFlagsBesideTheVariables() throws {
            // The flag wins over every variable, a service's own included.
            let env = Emulator.environment([
                "AWS_ENDPOINT_URL": nil, "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:9", "SANDBOX_DEBUG": nil,
            ])
            let r = try run(
                "list-assets",
                ["--asset-id", "ep-\(unique)", "--kinds", "key-pair", "--endpoint-url", Emulator.endpoint, "--debug"],
                env: env)
            #expect(r.status == 0 && r.json == [], "\(r.stderr)")
            #expect(r.stderr.contains("ec2:DescribeKeyPairs POST \(Emulator.endpoint)"), "\(r.stderr)")
            let quiet = try run("list-assets", ["--asset-id", "ep-\(unique)", "--kinds", "key-pair"])
            #expect(quiet.status == 0 && !quiet.stderr.contains("DescribeKeyPairs"), "\(quiet.stderr)")
        }

        @Test func repeatedFiltersChainLikeJqsPipe() throws {
            let request = #"{"service":"ec2","body":"Action=DescribeRegions&Version=2016-11-15"}"#
            let r = try run(
                "aws-sign-request", ["--dry-run", "-r", "--filter", ".headers", "--filter", #".["Content-Type"]"#],
                stdin: request)
            #expect(r.status == 0 && r.stdout.hasPrefix("application/x-www-form-urlencoded"), "\(r.stdout) \(r.stderr)")
            let bad = try run("aws-sign-request", ["--dry-run", "--filter", ".", "--filter", ".["], stdin: request)
            #expect(bad.status == 2 && bad.stderr.contains("'.['"), "\(bad.stderr)")
        }

        func topics(_ n: Int) throws -> String {
            let path = NSTemporaryDirectory() + "conv-\(unique)-\(n).json"
            let resources = (1...n).map { #""Topic\#($0)":{"Type":"AWS::SNS::Topic"}"# }.joined(separator: ",")
            try #"{"Resources":{\#(resources)}}"#.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func changeSets(_ stack: String) throws -> [JSON] {
            let c = try AWSClient(environment: Emulator.environment())
            return try c.query("cloudformation", "ListChangeSets", [("StackName", stack)])["ListChangeSetsResult"]?[
                "Summaries"]?.list ?? []
        }

        /// `--no-execute` prints the change set and leaves it; a plain run executes it, and a
        /// changed template replaces the one left for review.
        @Test func noExecuteLeavesTheChangeSetForReview() throws {
            let stack = "conv-\(unique)"
            defer { _ = try? run("cfn-deploy", ["--delete", "--stack", stack]) }
            let review = try run("cfn-deploy", ["--stack", stack, "--template", try topics(1), "--no-execute"])
            let out = try #require(review.json, "\(review.stderr)")
            #expect(review.status == 0 && out["ChangeSetType"] == "CREATE" && out["StackName"] == .string(stack))
            #expect(
                out["Changes"] == [
                    [
                        "Action": "Add", "LogicalResourceId": "Topic1", "PhysicalResourceId": nil,
                        "ResourceType": "AWS::SNS::Topic", "Replacement": nil,
                    ]
                ], "\(review.stdout)")
            #expect(review.stderr.contains("without --no-execute"), "\(review.stderr)")
            let described = try run("cfn-deploy", ["--describe", "--stack", stack])
            #expect(described.json?["Status"] == "REVIEW_IN_PROGRESS", "\(described.stdout) \(described.stderr)")
            let again = try run("cfn-deploy", ["--stack", stack, "--template", try topics(1), "--no-execute"])
            #expect(try again.json?["ChangeSetName"] == out["ChangeSetName"] && changeSets(stack).count == 1)

            let executed = try run("cfn-deploy", ["--stack", stack, "--template", try topics(1)])
            #expect(
                executed.json?["Status"] == "CREATE_COMPLETE" && executed.json?["Changed"] == true, "\(executed.stderr)"
            )

            let two = try run("cfn-deploy", ["--stack", stack, "--template", try topics(2), "--no-execute"])
            func added(_ r: ToolResult) -> [JSON] { (r.json?["Changes"]?.array ?? []).filter { $0["Action"] == "Add" } }
            #expect(two.json?["ChangeSetType"] == "UPDATE" && added(two).count == 1, "\(two.stdout)")
            let three = try run("cfn-deploy", ["--stack", stack, "--template", try topics(3), "--no-execute"])
            #expect(added(three).count == 2, "\(three.stdout) \(three.stderr)")
            #expect(try changeSets(stack).map { $0["ChangeSetName"] } == [three.json?["ChangeSetName"]])
            let described2 = try run("cfn-deploy", ["--describe", "--stack", stack])
            #expect(described2.json?["Status"] == "CREATE_COMPLETE")
        }
    }
}
