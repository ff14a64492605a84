import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// cfn-deploy never changes another release's stack, and protects the permanent stacks.
    @Suite struct StackGuardTests {
        let id = "\(getpid())-\(Int.random(in: 1000...9999))"

        func template() throws -> String {
            let path = NSTemporaryDirectory() + "stack-guard-\(id).json"
            try #"{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}"#.write(
                toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func describe(_ stack: String) throws -> JSON? {
            let r = try run(
                "aws-sign-request", ["--filter", ".json.DescribeStacksResult.Stacks[0]"],
                stdin:
                    #"{"service":"cloudformation","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"Action=DescribeStacks&Version=2010-05-15&StackName=\#(stack)"}"#
            )
            return r.status == 0 ? r.json : nil
        }

        /// `1.2.0`'s teardown must not remove the stack of another asset-id that maps to the same name.
        @Test func aStackOfAnotherAssetIdIsNeitherUpdatedNorDeleted() throws {
            let stack = "EC2-DATA-SCIENCE-SANDBOX-guard-\(id)", file = try template()
            let created = try run("cfn-deploy", ["--stack", stack, "--template", file, "--tag", "asset-id=1_2_0"])
            #expect(created.status == 0, "\(created.stderr)")
            let before = try describe(stack)
            for args in [
                ["--template", file, "--tag", "asset-id=1.2.0", "--tag", "team=x"],
                ["--delete", "--tag", "asset-id=1.2.0"],
            ] {
                let r = try run("cfn-deploy", ["--stack", stack] + args)
                #expect(
                    r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                    "\(args): \(r.stderr)")
                #expect(r.stderr.contains("asset-id=1_2_0") && r.stderr.contains("asset-id=1.2.0"), "\(r.stderr)")
            }
            let after = try describe(stack)
            #expect(
                after?["StackStatus"] == "CREATE_COMPLETE" && after?["LastUpdatedTime"] == before?["LastUpdatedTime"])
            let deleted = try run("cfn-deploy", ["--stack", stack, "--delete", "--tag", "asset-id=1_2_0"])
            #expect(deleted.status == 0 && deleted.json?["Changed"] == true, "\(deleted.stderr)")
        }

        @Test func terminationProtectionIsTurnedOn() throws {
            let stack = "DATA-SCIENCE-SANDBOX-guard-\(id)", file = try template()
            let r = try run("cfn-deploy", ["--stack", stack, "--template", file, "--termination-protection"])
            #expect(r.status == 0 && r.stderr.contains("termination protection on"), "\(r.stderr)")
            #expect(try describe(stack)?["EnableTerminationProtection"] == true)
            let refused = try run("cfn-deploy", ["--stack", stack, "--delete"])
            #expect(refused.status == 1, "\(refused.stderr)")
            _ = try run(
                "aws-sign-request",
                stdin:
                    #"{"service":"cloudformation","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"Action=UpdateTerminationProtection&Version=2010-05-15&EnableTerminationProtection=false&StackName=\#(stack)"}"#
            )
            #expect(try run("cfn-deploy", ["--stack", stack, "--delete"]).status == 0)
        }
    }
}
