import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct SecurityGroupTests {
        let tag = "sg\(getpid())"
        let aws = try! AWSClient(environment: Emulator.environment())

        func group(_ id: String) throws -> JSON? {
            var p = QueryParams()
            p.filters([("group-id", [id])])
            return try aws.query("ec2", "DescribeSecurityGroups", p.pairs)["securityGroupInfo"]?.list.first
        }

        func runInstance(in group: String) throws -> String {
            var p = QueryParams()
            p.add("ImageId", "ami-0a2b3c4d5e6f70001")
            p.add("MinCount", "1")
            p.add("MaxCount", "1")
            p.add("SecurityGroupId.1", group)
            return try aws.query("ec2", "RunInstances", p.pairs)["instancesSet"]!.list[0]["instanceId"]!.string!
        }

        /// Tagged in CreateSecurityGroup itself (no CreateTags of its own, which the release role
        /// refuses), each port open to the source; a second create reuses it; the delete waits for
        /// the instance that uses it, and is repeatable.
        @Test func createTagsAtCreationOpensEachPortAndDeleteWaitsForTheInstance() throws {
            let id = "\(tag)-a"
            let before = try Emulator.actions().count
            let created = try run(
                "security-group",
                ["create", "--asset-id", id, "--port", "22", "--port", "49494", "--cidr", "203.0.113.7/32"])
            #expect(created.status == 0, "\(created.stderr)")
            let out = try #require(created.json)
            #expect(out["GroupName"] == .string("sandbox-\(id)") && out["AssetId"] == .string(id))
            #expect(out["VpcId"]?.string?.hasPrefix("vpc-") == true)
            let groupId = try #require(out["GroupId"]?.string)
            let actions = try Emulator.actions()[before...].filter { !$0.contains("Describe") }
            #expect(
                actions == [
                    "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress",
                ])
            let described = try #require(try group(groupId))
            #expect(Tags.decode(described["tagSet"]) == ["asset-id": id, "project": "data-science-sandbox"])
            let rules = described["ipPermissions"]?.list ?? []
            #expect(Set(rules.compactMap { $0["fromPort"]?.number }) == [22, 49494])
            #expect(rules.allSatisfy { $0["ipRanges"]?.list.first?["cidrIp"] == "203.0.113.7/32" })

            let again = try run(
                "security-group", ["create", "--asset-id", id, "--port", "22", "--cidr", "203.0.113.7/32"])
            #expect(again.status == 0 && again.json?["GroupId"] == .string(groupId) && again.stderr.contains("reused"))
            let listed = try run("list-assets", ["--asset-id", id, "--kinds", "security-group"])
            #expect(listed.json?.array?.map { $0["Id"] } == [.string(groupId)])

            let instance = try runInstance(in: groupId)
            let busy = try run("security-group", ["delete", "--asset-id", id, "--timeout", "1"])
            #expect(busy.status == 1 && busy.stderr.contains("DependencyViolation"), "\(busy.stderr)")
            _ = try aws.query("ec2", "TerminateInstances", [("InstanceId.1", instance)])
            let deleted = try run("security-group", ["delete", "--asset-id", id])
            #expect(deleted.status == 0 && deleted.json?["SecurityGroup"] == "deleted", "\(deleted.stderr)")
            #expect(try group(groupId) == nil)
            let gone = try run("security-group", ["delete", "--asset-id", id, "--group-id", groupId])
            #expect(gone.status == 0 && gone.json?["SecurityGroup"] == "already gone")
        }

        /// CreateSecurityGroup made the group and its answer was lost: the repeat finds the name
        /// taken and the group the first call made, so there is one group.
        @Test func aCreateWhoseAnswerWasLostMakesOneGroup() throws {
            let id = "\(tag)-lost"
            try Emulator.configure(["faultRate": 1, "faultKinds": ["drop-after"], "faultLimit": 1])
            defer { try? Emulator.configure(["faultRate": 0, "faultLimit": nil]) }
            let created = try run(
                "security-group", ["create", "--asset-id", id, "--port", "22", "--cidr", "10.0.0.0/8"])
            #expect(created.status == 0 && created.stderr.contains("reused"), "\(created.stderr)")
            var p = QueryParams()
            p.filters([("tag:asset-id", [id])])
            let groups = try aws.query("ec2", "DescribeSecurityGroups", p.pairs)["securityGroupInfo"]?.list ?? []
            #expect(groups.map { $0["groupId"] } == [created.json?["GroupId"]])
        }

        /// Another release's group of that name is neither reused nor deleted.
        @Test func aGroupOfAnotherAssetIdIsLeftAlone() throws {
            let mine = "\(tag)-b", other = "\(tag)-c"
            let source = try aws.query(
                "ec2", "CreateSecurityGroup", [("GroupName", "builds-\(tag)"), ("GroupDescription", "builds")])[
                    "groupId"]!.string!
            let made = try run(
                "security-group",
                [
                    "create", "--asset-id", other, "--name", "shared-\(tag)", "--port", "22",
                    "--source-group", source,
                ])
            #expect(made.status == 0, "\(made.stderr)")
            let rules = try group(made.json?["GroupId"]?.string ?? "")?["ipPermissions"]?.list ?? []
            #expect(rules.first?["groups"]?.list.first?["groupId"] == .string(source))
            let reuse = try run(
                "security-group",
                [
                    "create", "--asset-id", mine, "--name", "shared-\(tag)", "--port", "22",
                    "--cidr", "10.0.0.0/8",
                ])
            #expect(reuse.status == 1 && reuse.stderr.contains("is not the one of asset-id \(mine)"), "\(reuse.stderr)")
            let delete = try run("security-group", ["delete", "--asset-id", mine, "--name", "shared-\(tag)"])
            #expect(
                delete.status == 2 && delete.stderr.contains("tagged asset-id=\(other), not asset-id=\(mine)"),
                "\(delete.stderr)")
            // Its own release purges it, as list-assets found it.
            let listed = try run("list-assets", ["--asset-id", other, "--kinds", "security-group"])
            let purged = try run("purge-assets", ["--yes", "--asset-id", other], stdin: listed.stdout)
            #expect(purged.status == 0 && purged.stdout.contains("\"Outcome\":\"removed\""), "\(purged.stdout)")
        }

        @Test(arguments: [
            (["--port", "22"], "at least one --port and one --cidr"),
            (["--cidr", "203.0.113.7/32"], "at least one --port"),
            (["--port", "0", "--cidr", "203.0.113.7/32"], "invalid --port 0"),
            (["--port", "22", "--cidr", "203.0.113.7"], "invalid --cidr '203.0.113.7'"),
            (["--port", "22", "--cidr", "300.0.0.1/32"], "invalid --cidr"),
            (["--port", "22", "--source-group", "sg-XYZ"], "invalid --source-group"),
            (["--port", "22", "--cidr", "10.0.0.0/8", "--name", "sg-mine"], "invalid --name"),
        ])
        func badInputExits2BeforeAnyRequest(args: [String], message: String) throws {
            let before = try Emulator.requestCount()
            let r = try run("security-group", ["create", "--asset-id", "\(tag)-d"] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }
    }
}
