import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct CfnDeployTests {
        let id = "\(getpid())-\(Int.random(in: 1000...9999))"

        static var root: String {
            ProcessInfo.processInfo.environment["SANDBOX_ROOT"] ?? FileManager.default.currentDirectoryPath
        }
        static func stackFile(_ name: String) -> String { root + "/stacks/" + name }

        func tempFile(_ name: String, _ text: String) throws -> String {
            let path = NSTemporaryDirectory() + "cfn-\(id)-\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// A query API call through aws-sign-request; returns the decoded body.
        func query(_ service: String, _ body: String, region: String? = nil) throws -> JSON {
            var request: JSON = [
                "service": .string(service), "body": .string(body),
                "headers": ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
            ]
            if let region { request.set("region", .string(region)) }
            let r = try run("aws-sign-request", stdin: request.serialized())
            #expect(r.status == 0, "\(r.stderr)")
            return r.json?["json"] ?? .null
        }

        func instance(_ instanceId: String) throws -> JSON? {
            let r = try query("ec2", "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=\(instanceId)")
            return r["reservationSet"]?.list.first?["instancesSet"]?.list.first
        }

        func tags(_ instance: JSON?) -> [String: String] {
            var out: [String: String] = [:]
            for t in instance?["tagSet"]?.list ?? [] { out[t["key"]?.string ?? ""] = t["value"]?.string ?? "" }
            return out
        }

        func state(_ instance: JSON?) -> String? { instance?["instanceState"]?["name"]?.string }

        @Test func ec2StackCreateNoChangeUpdateDeleteTwice() throws {
            let stack = "EC2-DATA-SCIENCE-SANDBOX-cfn-\(id)"
            let image = try query("ec2", "Action=DescribeImages&Version=2016-11-15&Owner.1=amazon")["imagesSet"]?.list
                .first?["imageId"]?.string
            // The release's tools make the group (security-group create); here the default one.
            let group = try query(
                "ec2",
                "Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=group-name&Filter.1.Value.1=default"
            )["securityGroupInfo"]?.list.first?["groupId"]?.string
            let input: JSON = [
                "StackName": .string(stack), "Template": .string(Self.stackFile("ec2-instance.yaml")),
                "Parameters": [
                    "ImageId": JSON(image), "KeyName": .string("sandbox-cfn-\(id)-abcdef"),
                    "SecurityGroupId": JSON(group), "RootVolumeSize": 40, "Owner": "me",
                    "AssetId": .string("cfn-\(id)"),
                ],
                "Tags": ["team": "data"],
            ]
            let created = try run("cfn-deploy", ["--tag", "release=cfn-\(id)"], stdin: input.serialized())
            #expect(created.status == 0, "\(created.stderr)")
            let out = try #require(created.json)
            #expect(out["Status"] == "CREATE_COMPLETE" && out["Changed"] == true && out["StackName"] == .string(stack))
            #expect(created.stderr.contains("CREATE_COMPLETE"), "events stream to stderr: \(created.stderr)")
            let instanceId = try #require(out["Outputs"]?["InstanceId"]?.string)
            #expect(out["Outputs"]?["PublicIp"]?.string?.isEmpty == false)
            let tagged = tags(try instance(instanceId))
            #expect(
                tagged["owner"] == "me" && tagged["asset-id"] == "cfn-\(id)" && tagged["team"] == "data"
                    && tagged["release"] == "cfn-\(id)", "\(tagged)")
            #expect(tagged["aws:cloudformation:stack-name"] == stack)

            // The same deploy again: a change set without changes, deleted, nothing executed.
            let same = try run("cfn-deploy", ["--tag", "release=cfn-\(id)"], stdin: input.serialized())
            #expect(same.status == 0, "\(same.stderr)")
            #expect(same.json?["Changed"] == false && same.json?["Status"] == "CREATE_COMPLETE")
            #expect(same.json?["Outputs"] == out["Outputs"])
            #expect(
                same.stderr.contains("nothing executed") && !same.stderr.contains("UPDATE_IN_PROGRESS"),
                "\(same.stderr)")
            let sets = try query("cloudformation", "Action=ListChangeSets&Version=2010-05-15&StackName=\(stack)")
            #expect(
                sets["ListChangeSetsResult"]?["Summaries"]?.list.contains {
                    $0["StackName"] == .string(stack) && $0["Status"] == "FAILED"
                } != true, "the empty change set is deleted")

            // A changed parameter (the flag wins over stdin): an UPDATE.
            let updated = try run(
                "cfn-deploy", ["--param", "Owner=you", "--tag", "release=cfn-\(id)"], stdin: input.serialized())
            #expect(updated.status == 0, "\(updated.stderr)")
            #expect(updated.json?["Status"] == "UPDATE_COMPLETE" && updated.json?["Changed"] == true)
            let newId = try #require(updated.json?["Outputs"]?["InstanceId"]?.string)
            #expect(tags(try instance(newId))["owner"] == "you")

            let deleted = try run("cfn-deploy", ["--delete", "--stack", stack])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.json?["Status"] == "DELETE_COMPLETE" && deleted.json?["Changed"] == true)
            #expect(state(try instance(newId)) == "terminated")
            #expect(try run("cfn-deploy", ["--describe", "--stack", stack]).status == 1)
            let again = try run("cfn-deploy", ["--delete", "--stack", stack])
            #expect(again.status == 0 && again.json?["Changed"] == false, "\(again.stderr)")
        }

        @Test func aBrokenTemplateFailsWithTheReason() throws {
            let template = try tempFile(
                "broken.yaml",
                """
                Resources:
                  Group:
                    Type: AWS::EC2::SecurityGroup
                    Properties:
                      GroupDescription: !Ref NoSuchParameter
                """)
            let r = try run("cfn-deploy", ["--stack", "Broken-\(id)", "--template", template])
            #expect(r.status == 1)
            #expect(r.stderr.contains("is invalid") && r.stderr.contains("NoSuchParameter"), "\(r.stderr)")
            #expect(
                try run("cfn-deploy", ["--describe", "--stack", "Broken-\(id)"]).status == 1, "no stack is left behind")
        }

        @Test func aCreateThatRollsBackIsReportedAndRemovedOnRequest() throws {
            let template = try tempFile(
                "role.yaml",
                """
                Parameters:
                  RoleName: {Type: String}
                Resources:
                  Logs:
                    Type: AWS::Logs::LogGroup
                  Role:
                    Type: AWS::IAM::Role
                    Properties:
                      RoleName: !Ref RoleName
                      AssumeRolePolicyDocument:
                        Version: "2012-10-17"
                        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]
                Outputs:
                  RoleArn: {Value: !GetAtt Role.Arn}
                """)
            let role = "cfn-taken-\(id)"
            let first = try run(
                "cfn-deploy", ["--stack", "Role-A-\(id)", "--template", template, "--param", "RoleName=\(role)"])
            #expect(
                first.status == 0 && first.json?["Outputs"]?["RoleArn"]?.string?.hasSuffix(role) == true,
                "\(first.stderr)")

            // The second stack asks for the same role name: its CREATE fails and rolls back.
            let failed = try run(
                "cfn-deploy", ["--stack", "Role-B-\(id)", "--template", template, "--param", "RoleName=\(role)"])
            #expect(failed.status == 1)
            #expect(
                failed.stderr.contains("Role (AWS::IAM::Role)") && failed.stderr.contains("already exists"),
                "\(failed.stderr)")
            let last = failed.stderr.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.contains("ROLLBACK_COMPLETE") && last.contains("--delete-failed"), "\(last)")
            let left = try run("cfn-deploy", ["--describe", "--stack", "Role-B-\(id)"])
            #expect(left.json?["Status"] == "ROLLBACK_COMPLETE")

            let removed = try run(
                "cfn-deploy",
                ["--stack", "Role-B-\(id)", "--template", template, "--param", "RoleName=\(role)", "--delete-failed"])
            #expect(removed.status == 1)
            #expect(removed.stderr.contains("was deleted (--delete-failed)"), "\(removed.stderr)")
            #expect(try run("cfn-deploy", ["--describe", "--stack", "Role-B-\(id)"]).status == 1)
            #expect(try run("cfn-deploy", ["--delete", "--stack", "Role-A-\(id)"]).status == 0)
        }

        @Test func parametersTheTemplateNeedsOrDoesNotKnowAreNamed() throws {
            let template = Self.stackFile("ec2-instance.yaml")
            let missing = try run("cfn-deploy", ["--stack", "P-\(id)", "--template", template, "--param", "Owner=me"])
            #expect(missing.status == 2)
            #expect(
                missing.stderr.contains("needs parameters ImageId, SecurityGroupId, AssetId"), "\(missing.stderr)")
            let unknown = try run("cfn-deploy", ["--stack", "P-\(id)", "--template", template, "--param", "Ownr=me"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("declares no parameter Ownr"), "\(unknown.stderr)")
        }

        /// With --stack and --template the flags give everything: an inherited stdin that stays open
        /// and is never written to (a pipe from a wrapper, a CI runner) is not read, so the deploy ends.
        @Test func flagsAloneNeverWaitOnAnOpenStdin() throws {
            let template = try tempFile("open-stdin.yaml", "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n")
            let stack = "Open-Stdin-\(id)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Emulator.bin + "/cfn-deploy")
            p.arguments = ["--stack", stack, "--template", template]
            p.environment = Emulator.environment()
            let input = Pipe(), out = Pipe()
            p.standardInput = input
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            // The deadline only ends a tool that waits on stdin; the write end stays open until then.
            let ended = Wait.until(deadline: 120) { !p.isRunning }
            if !ended { p.terminate() }
            try input.fileHandleForWriting.close()
            p.waitUntilExit()
            let result = try? JSON.parse(Array(out.fileHandleForReading.readDataToEndOfFile()))
            #expect(ended, "cfn-deploy --stack --template waited on an open stdin")
            #expect(p.terminationStatus == 0 && result?["Status"] == "CREATE_COMPLETE", "\(String(describing: result))")
            #expect(try run("cfn-deploy", ["--delete", "--stack", stack]).status == 0)
        }

        @Test func aTemplateOverTheInlineLimitGoesThroughS3() throws {
            let padding = String(repeating: "# padding to pass the inline limit of CloudFormation\n", count: 1000)
            let template = try tempFile("big.yaml", "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n" + padding)
            let stack = "Big-\(id)"
            let inline = try run("cfn-deploy", ["--stack", stack, "--template", template])
            #expect(
                inline.status == 2 && inline.stderr.contains("51200") && inline.stderr.contains("--template-bucket"),
                "\(inline.stderr)")

            let bucket = "cfn-templates-\(id)"
            try Emulator.makeBucket(bucket)
            let r = try run("cfn-deploy", ["--stack", stack, "--template", template, "--template-bucket", bucket])
            #expect(r.status == 0 && r.json?["Status"] == "CREATE_COMPLETE", "\(r.stderr)")
            #expect(try run("cfn-deploy", ["--delete", "--stack", stack]).status == 0)
        }

        /// The permanent stacks in deploy order, each fed the outputs of the one before, as the
        /// make targets do; the emulator's placeholders stand in for WAF, CloudFront and CodeBuild.
        @Test func thePermanentStacksDeployInOrder() throws {
            func deploy(_ stack: String, _ file: String, _ params: JSON, region: [String] = []) throws -> JSON {
                let input: JSON = [
                    "StackName": .string(stack), "Template": .string(Self.stackFile(file)), "Parameters": params,
                ]
                let r = try run("cfn-deploy", region, stdin: input.serialized())
                #expect(r.status == 0, "\(file): \(r.stderr)")
                #expect(r.json?["Status"] == "CREATE_COMPLETE")
                return r.json?["Outputs"] ?? [:]
            }
            let waf = try deploy(
                "WAF-\(id)", "vm-bucket-waf.yaml",
                ["AllowedIPs": ["203.0.113.0/24", "198.51.100.7/32"], "AllowedIPv6": ["2001:db8::/48"]],
                region: ["--region", "us-east-1"])
            let acl = try #require(waf["WebACLArn"]?.string)
            #expect(acl.hasPrefix("arn:aws:wafv2:us-east-1:") && acl.contains(":global/webacl/"))
            let bucket = try deploy("VM-Bucket-\(id)", "vm-bucket.yaml", ["WebACLId": .string(acl)])
            #expect(bucket["DistributionDomainName"]?.string?.hasSuffix(".cloudfront.net") == true)
            let ci = try deploy(
                "CI-\(id)", "ci-codebuild.yaml",
                [
                    "SourceLocation": "https://github.com/example/sandbox-release.git",
                    "CodeBuildProjectName": .string("ci-\(id)"),
                ])
            #expect(ci["ProjectName"] == .string("ci-\(id)"))
            // The release builds run in a VPC: here the default one and a subnet of it.
            let aws = try AWSClient(environment: Emulator.environment())
            var vpcs = QueryParams()
            vpcs.filters([("is-default", ["true"])])
            let vpc = try #require(aws.query("ec2", "DescribeVpcs", vpcs.pairs)["vpcSet"]?.list.first?["vpcId"])
            var subnets = QueryParams()
            subnets.filters([("vpc-id", [vpc.string ?? ""])])
            let subnet = try #require(
                aws.query("ec2", "DescribeSubnets", subnets.pairs)["subnetSet"]?.list.first?["subnetId"])
            let release = try deploy(
                "Release-\(id)", "release-codebuild.yaml",
                [
                    "SourceLocation": "https://github.com/example/sandbox-release.git",
                    "CodeBuildProjectName": .string("release-\(id)"),
                    "VMBucketName": bucket["BucketName"] ?? .null, "ExportRoleName": bucket["ExportRoleName"] ?? .null,
                    "CdnDomain": bucket["DistributionDomainName"] ?? .null, "VpcId": vpc, "BuildSubnetIds": [subnet],
                    "DefaultPasswordSecretArn":
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:data-science-sandbox/default-password-AbCdEf",
                ])
            #expect(release["ServiceRoleArn"]?.string?.hasPrefix("arn:aws:iam::") == true)
            for stack in ["Release-\(id)", "CI-\(id)", "VM-Bucket-\(id)"] {
                #expect(try run("cfn-deploy", ["--delete", "--stack", stack]).status == 0)
            }
            #expect(try run("cfn-deploy", ["--delete", "--stack", "WAF-\(id)", "--region", "us-east-1"]).status == 0)
        }

        @Test(
            arguments: [
                (["--stack", "S"], #"{"StackName":"S","#),
                (["--stack", "S"], #"["S"]"#),
                ([], #"{"StackName":7,"Template":"t.yaml"}"#),
                ([], #"{"StackName":"S","Template":"t.yaml","Parameters":{"A":{"x":1}}}"#),
                ([], #"{"StackName":"S","Template":"t.yaml","Tags":{"A":["x"]}}"#),
                ([], #"{"StackName":"S","Template":"t.yaml","colour":"red"}"#),
                ([], #"{"Template":"t.yaml"}"#),
                (["--stack", "S"], nil),
                (["--stack", "1-bad", "--template", "t.yaml"], nil),
                (["--stack", "S", "--template", "t.yaml", "--param", "NoEquals"], nil),
                (["--stack", "S", "--template", "t.yaml", "--param", "A=1", "--param", "A=2"], nil),
                (["--stack", "S", "--template", "t.yaml", "--tag", "aws:x=1"], nil),
                (["--stack", "S", "--template", "/nonexistent/t.yaml"], nil),
                (["--stack", "S", "--delete", "--template", "t.yaml"], nil),
                (["--stack", "S", "--delete", "--describe"], nil),
                (["--stack", "S", "--timeout", "0"], nil),
                (["--stack", "S", "--bogus"], nil),
                (["--stack", "S", "--delete", "--filter", ".["], nil),
            ] as [([String], String?)])
        func malformedInputExitsTwoBeforeAnyRequest(args: [String], stdin: String?) throws {
            let before = try Emulator.requestCount()
            let r = try run("cfn-deploy", args, stdin: stdin)
            #expect(r.status == 2, "\(args) \(stdin ?? ""): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(try Emulator.requestCount() == before, "no request sent for \(args)")
        }
    }
}
