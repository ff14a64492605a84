import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

struct StackLogicTests {
    @Test func assignmentsSplitAtTheFirstEqualsAndRefuseRepeats() throws {
        let pairs = try StackParameters.assignments(["A=b=c", "Empty="], flag: "--param")
        #expect(pairs.map(\.0) == ["A", "Empty"] && pairs.map(\.1) == ["b=c", ""])
        #expect(
            usageMessage { _ = try StackParameters.assignment("=x", flag: "--param") }?.contains("KEY=VALUE") == true)
        #expect(
            usageMessage { _ = try StackParameters.assignment("novalue", flag: "--tag") }?.contains("--tag") == true)
        #expect(
            usageMessage { _ = try StackParameters.assignments(["A=1", "A=2"], flag: "--param") }
                == "--param A is given twice")
    }

    @Test func jsonValuesBecomeCloudFormationStrings() throws {
        let object: [(String, JSON)] = [("S", "x"), ("N", 30), ("F", 1.5), ("B", true), ("L", ["10.0.0.0/8", 7])]
        let pairs = try StackParameters.pairs(object, what: "parameter", lists: true)
        #expect(pairs.map(\.1) == ["x", "30", "1.5", "true", "10.0.0.0/8,7"])
        #expect(
            usageMessage { _ = try StackParameters.pairs([("T", ["a"])], what: "tag", lists: false) }?.contains(
                "tag 'T'") == true)
        #expect(
            usageMessage { _ = try StackParameters.pairs([("P", ["k": "v"])], what: "parameter", lists: true) }?
                .contains("got object") == true)
        #expect(
            usageMessage { _ = try StackParameters.pairs([("P", [["nested"]])], what: "parameter", lists: true) } != nil
        )
    }

    @Test func flagsWinKeyByKey() {
        let merged = StackParameters.merge([("A", "stdin"), ("B", "stdin")], [("B", "flag"), ("C", "flag")])
        #expect(merged.map(\.0) == ["A", "B", "C"] && merged.map(\.1) == ["stdin", "flag", "flag"])
    }

    @Test func tagsFollowCloudFormationsRules() {
        #expect(usageMessage { try StackParameters.checkTags([("aws:x", "v")]) }?.contains("aws:") == true)
        #expect(usageMessage { try StackParameters.checkTags([("k", String(repeating: "v", count: 257))]) } != nil)
        #expect(usageMessage { try StackParameters.checkTags([("owner", "me")]) } == nil)
    }

    @Test func declaredParametersAndTheCheck() throws {
        // An empty DefaultValue element decodes to null: still a default.
        let xml = """
            <ValidateTemplateResponse><ValidateTemplateResult><Parameters>
            <member><ParameterKey>ImageId</ParameterKey><NoEcho>false</NoEcho></member>
            <member><ParameterKey>VpcId</ParameterKey><DefaultValue></DefaultValue></member>
            <member><ParameterKey>Owner</ParameterKey></member>
            </Parameters></ValidateTemplateResult></ValidateTemplateResponse>
            """
        let declared = StackParameters.declared(try XMLToJSON.convert(Array(xml.utf8))["ValidateTemplateResult"]!)
        #expect(
            declared == [
                .init(key: "ImageId", hasDefault: false), .init(key: "VpcId", hasDefault: true),
                .init(key: "Owner", hasDefault: false),
            ])
        #expect(
            usageMessage { try StackParameters.check([("ImageId", "ami-1")], against: declared, template: "t.yaml") }
                == "t.yaml needs parameter Owner: give it with --param KEY=VALUE or in stdin's \"parameters\"")
        #expect(
            usageMessage {
                try StackParameters.check([("Imageid", "x"), ("Owner", "o")], against: declared, template: "t.yaml")
            }?
            .hasPrefix("t.yaml declares no parameter Imageid") == true)
        #expect(
            usageMessage {
                try StackParameters.check([("ImageId", "a"), ("Owner", "o")], against: declared, template: "t.yaml")
            } == nil)
        #expect(StackParameters.declared(try XMLToJSON.convert(Array("<R><Parameters/></R>".utf8))).isEmpty)
    }

    @Test func stackFromDescribeStacks() throws {
        let xml = """
            <DescribeStacksResponse><DescribeStacksResult><Stacks><member>
            <StackName>s</StackName><StackId>arn:s</StackId><StackStatus>CREATE_COMPLETE</StackStatus>
            <CreationTime>2024-01-01T00:00:00Z</CreationTime>
            <Outputs><member><OutputKey>InstanceId</OutputKey><OutputValue>i-1</OutputValue></member></Outputs>
            </member></Stacks></DescribeStacksResult></DescribeStacksResponse>
            """
        let json = try XMLToJSON.convert(Array(xml.utf8))
        let stack = Stack(json["DescribeStacksResult"]!["Stacks"]!.list[0])
        #expect(stack.lastChanged == "2024-01-01T00:00:00Z")
        #expect(
            stack.result(changed: false) == [
                "StackName": "s", "StackId": "arn:s", "Status": "CREATE_COMPLETE",
                "Outputs": ["InstanceId": "i-1"], "Changed": false,
            ])
        #expect(Stack.isInProgress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") && !Stack.isInProgress("REVIEW_IN_PROGRESS"))
        #expect(
            Stack.isValidName("EC2-DATA-SCIENCE-SANDBOX-1-2-0") && !Stack.isValidName("1abc")
                && !Stack.isValidName("a_b"))
        #expect(!Stack.isValidName(String(repeating: "a", count: 129)))
    }

    @Test func eventLines() {
        let e: JSON = [
            "Timestamp": "2024-01-01T00:00:01Z", "LogicalResourceId": "Instance", "ResourceType": "AWS::EC2::Instance",
            "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": "no capacity",
        ]
        #expect(StackEvents.line(e) == "2024-01-01T00:00:01Z Instance AWS::EC2::Instance CREATE_FAILED no capacity")
    }

    func template(_ bytes: Int) throws -> String {
        let path = NSTemporaryDirectory() + "template-\(getpid())-\(bytes).yaml"
        try Data(("#" + String(repeating: "x", count: bytes - 2) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func templateSizeLimits() throws {
        let fits = try StackTemplate(path: try template(51_200), uploadBucket: nil)
        #expect(fits.source.0 == "TemplateBody")
        let big = try template(51_201)
        #expect(
            usageMessage { _ = try StackTemplate(path: big, uploadBucket: nil) }?.contains("over 51200 bytes") == true)
        #expect(
            usageMessage { _ = try StackTemplate(path: big, uploadBucket: nil) }?.contains("--template-bucket") == true)
        #expect(try StackTemplate(path: big, uploadBucket: "b").body.utf8.count == 51_201)
        #expect(
            usageMessage { _ = try StackTemplate(path: "/nonexistent/t.yaml", uploadBucket: nil) }?.contains(
                "/nonexistent/t.yaml") == true)
    }

    @Test func changeSetNamesFollowTheContent() throws {
        let t = try StackTemplate(path: try template(100), uploadBucket: nil)
        func make(_ params: [(String, String)], state: String = "") -> ChangeSet {
            ChangeSet(
                stackName: "s", type: "CREATE", stackState: state, template: t, parameters: params, tags: [],
                capabilities: [])
        }
        let a = make([("A", "1"), ("B", "2")])
        #expect(a.name.hasPrefix("cfn-deploy-") && a.name.count == 23 && a.token.hasPrefix(a.name))
        #expect(make([("B", "2"), ("A", "1")]).token == a.token)
        #expect(make([("A", "1"), ("B", "3")]).token != a.token)
        #expect(make([("A", "1"), ("B", "2")], state: "arn 2024").token != a.token)
        #expect(a.params.contains { $0 == ("ClientToken", a.token) })
        #expect(a.params.contains { $0 == ("Parameters.member.2.ParameterValue", "2") })
        #expect(
            ChangeSet.isNoChanges(
                "The submitted information didn't contain changes. Submit different information to create a change set."
            ))
    }
}
