import Testing
@testable import AWSCore
@testable import SandboxRelease

struct AssetLogicTests {
    @Test func patternsMatchLikeEC2TagFilters() throws {
        func p(_ text: String) throws -> AssetIdPattern { try AssetIdPattern(text) }
        #expect(try p("1.2.*").matches("1.2.0") && p("1.2.*").matches("1.2.") && !p("1.2.*").matches("1.3.0"))
        #expect(try p("*").matches("") && p("*").matches("test-build-7"))
        #expect(try p("test-?").matches("test-7") && !p("test-?").matches("test-77"))
        #expect(try p("*-build-*").matches("test-build-7") && !p("*-build-*").matches("test-build"))
        #expect(try p("a*b*c").matches("aXbYbZc") && !p("a*b*c").matches("aXbYbZ"))
        #expect(try p("1.2.0").matches("1.2.0") && !p("1.2.0").matches("1.2.00") && !p("1.2.0").matches("1x2x0"))
        #expect(try p("1.2.0").isLiteral && !p("1.?").isLiteral && !p("*").isLiteral)
        // Many stars over a long miss stay fast (no exponential backtracking).
        #expect(try !p(String(repeating: "*a", count: 30) + "b").matches(String(repeating: "a", count: 200)))
    }

    @Test func patternsAreAssetIdsOrGlobsOfTheirCharacters() throws {
        #expect(try AssetIdPattern("1.2.*").text == "1.2.*")
        #expect(try AssetIdPattern("*").text == "*")
        #expect(usageMessage { _ = try AssetIdPattern("1.2.[*]") }?.contains("pattern") == true)
        #expect(usageMessage { _ = try AssetIdPattern("1.2.[0-9]") }?.contains("'*' and '?'") == true)
        #expect(usageMessage { _ = try AssetIdPattern("-x") }?.contains("asset-id") == true)
        #expect(usageMessage { _ = try AssetIdPattern("") } != nil)
    }

    @Test func kindsParseInRemovalOrder() throws {
        #expect(try Asset.Kind.parseList("stack, ami,ami") == [.ami, .stack])
        #expect(usageMessage { _ = try Asset.Kind.parseList("ami,volume") }?.contains("'volume'") == true)
        #expect(usageMessage { _ = try Asset.Kind.parseList(",") } != nil)
    }

    static let object = Asset(
        kind: .s3Object, id: "images/1.2.0/it's.vmdk", name: "it's.vmdk", state: "STANDARD",
        created: "2026-01-02T03:04:05.000Z", size: 1536, assetId: "1.2.0", region: "eu-west-1",
        url: "https://d1.cloudfront.net/images/1.2.0/it%27s.vmdk", bucket: "vm-bucket")

    @Test func assetsRoundTripThroughTheirJSON() throws {
        let stack = Asset(
            kind: .stack, id: "arn:aws:cloudformation:eu-west-1:1:stack/EC2-X/u", name: "EC2-X",
            state: "CREATE_COMPLETE",
            created: nil, size: nil, assetId: "x", region: "eu-west-1",
            resources: [.init(type: "AWS::SNS::Topic", logicalId: "Topic", physicalId: nil, status: "CREATE_COMPLETE")])
        for a in [AssetLogicTests.object, stack] {
            let json = try JSON.parse(a.json.serialized())
            var read = a
            read.resources = nil  // what purge does not read
            #expect(try Asset(json: json, what: "asset") == read)
        }
        let keys = AssetLogicTests.object.json.object!.map(\.0)
        #expect(
            keys == [
                "Kind", "Id", "Name", "State", "Created", "Size", "AssetId", "Region", "Url", "RemoveWith", "Bucket",
            ])
        #expect(
            stack.json["Resources"] == [
                [
                    "LogicalResourceId": "Topic", "PhysicalResourceId": nil, "ResourceType": "AWS::SNS::Topic",
                    "ResourceStatus": "CREATE_COMPLETE",
                ]
            ])
    }

    @Test func removeWithIsAPastableCommand() {
        #expect(
            AssetLogicTests.object.removeWith
                == #"aws s3 rm --region eu-west-1 's3://vm-bucket/images/1.2.0/it'\''s.vmdk'"#)
        let ami = Asset(
            kind: .ami, id: "ami-1", name: nil, state: nil, created: nil, size: nil, assetId: "a", region: "us-east-1")
        #expect(ami.removeWith == "aws ec2 deregister-image --region us-east-1 --image-id ami-1")
        // An export task's record cannot be deleted: cancelled while it runs, untagged once ended.
        var task = Asset(
            kind: .exportImageTask, id: "export-ami-1", name: nil, state: "active", created: nil, size: nil,
            assetId: "a", region: "r")
        #expect(task.removeWith == "aws ec2 cancel-export-task --region r --export-task-id export-ami-1")
        task.state = nil  // unknown: it may still run
        #expect(task.removeWith == "aws ec2 cancel-export-task --region r --export-task-id export-ami-1")
        for state in ["completed", "deleted", "deleting"] {
            task.state = state
            #expect(task.removeWith == "aws ec2 delete-tags --region r --resources export-ami-1 --tags Key=asset-id")
        }
        task.tagKey = "release id"
        #expect(task.removeWith == "aws ec2 delete-tags --region r --resources export-ami-1 --tags 'Key=release id'")
        task.profile = "dev ops"
        #expect(
            task.removeWith
                == "aws ec2 delete-tags --region r --profile 'dev ops' --resources export-ami-1 --tags 'Key=release id'"
        )
    }

    static let anyAsset = AssetGuard(
        pattern: try! AssetIdPattern("*"), tagKey: "asset-id", imagesPrefix: "images",
        includePublished: false)

    @Test func purgeInputOfAnotherShapeIsRefused() {
        func message(_ json: JSON) -> String? { usageMessage { _ = try Asset(json: json, what: "asset 1") } }
        #expect(message("ami-1")?.contains("must be a JSON object") == true)
        #expect(
            message(["Kind": "volume", "Id": "v", "AssetId": "a", "Region": "r"])?.contains("unknown Kind 'volume'")
                == true)
        #expect(message(["Kind": "ami", "Id": "ami-1", "Region": "r"])?.contains("'AssetId'") == true)
        #expect(
            message(["Kind": "ami", "Id": 7, "AssetId": "a", "Region": "r"])?.contains("'Id' must be a string") == true)
        #expect(message(["Kind": "s3-object", "Id": "k", "AssetId": "a", "Region": "r"])?.contains("'Bucket'") == true)
        #expect(
            message(["Kind": "ami", "Id": "ami-1", "AssetId": "a", "Region": "r", "Size": -1])?.contains("'Size'")
                == true)
        // The lowercase keys of earlier versions are no list-assets entry.
        #expect(message(["kind": "ami", "id": "ami-1", "assetId": "a", "region": "r"])?.contains("'Kind'") == true)
        // What purge does not read, a person's note or the stack's resources, changes nothing.
        #expect(message(["Kind": "ami", "Id": "ami-1", "AssetId": "a", "Region": "r", "Note": 1]) == nil)
        #expect(message(["Kind": "stack", "Id": "s", "AssetId": "a", "Region": "r", "Resources": [1]]) == nil)
    }

    @Test func purgeOrderFollowsDependencies() {
        func a(_ kind: Asset.Kind, _ id: String) -> Asset {
            Asset(kind: kind, id: id, name: nil, state: nil, created: nil, size: nil, assetId: "x", region: "r")
        }
        let ordered = AssetPurge.ordered([
            a(.keyPair, "k"), a(.stack, "s"), a(.snapshot, "snap"), a(.ami, "ami"),
            a(.s3Object, "o"), a(.exportImageTask, "e"), a(.ami, "ami"),
        ])
        #expect(ordered.map(\.id) == ["e", "ami", "snap", "o", "s", "k"])
        #expect(
            StackSummary.name(of: a(.stack, "arn:aws:cloudformation:r:1:stack/DATA-SCIENCE-SANDBOX-VM-Bucket/u").id)
                == AssetConventions.vmBucketStack)
        #expect(
            AssetPurge.line(a(.exportImageTask, "e"), .untagged("why")) == [
                "Kind": "export-image-task", "Id": "e", "Outcome": "untagged", "Reason": "why",
            ])
        #expect(
            AssetPurge.line(a(.ami, "ami"), .wouldRemove) == ["Kind": "ami", "Id": "ami", "Outcome": "would remove"])
    }

    @Test func tableAlignsAndMarkdownEscapes() {
        let table = AssetTable.text([AssetLogicTests.object], notListed: [], color: false)
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 3 && lines[0].hasPrefix("KIND       ID"))
        #expect(
            lines[0].firstRange(of: "NAME")?.lowerBound.utf16Offset(in: lines[0])
                == lines[1].ranges(of: "it's").last?.lowerBound.utf16Offset(in: lines[1]))
        #expect(lines[2] == "1 asset, 1.5 KiB: 1 s3-object")
        #expect(
            !table.contains("\u{1B}")
                && AssetTable.text([AssetLogicTests.object], notListed: [], color: true).contains("\u{1B}[1m"))
        #expect(lines[0].hasSuffix("ASSET-ID  REGION") && lines[1].hasSuffix("1.2.0     eu-west-1"))
        var piped = AssetLogicTests.object
        piped.name = "a|b"
        piped.url = nil
        let md = AssetTable.markdown([piped], notListed: [], pattern: "1.2.*")
        #expect(md.hasPrefix("### Assets of `1.2.*`\n") && md.contains("| a\\|b |") && md.contains("| --- |"))
        #expect(AssetTable.markdown([], notListed: [], pattern: "x").contains("No assets."))
        let partial = NotListed(kind: .s3Object, region: "r", reason: "no VM bucket")
        #expect(
            AssetTable.text([], notListed: [partial], color: false).hasSuffix(
                "No assets.\nPartial list: not listed: s3-object in r (no VM bucket).\n"))
        var linked = AssetLogicTests.object
        linked.url = "https://d1.cloudfront.net/images/1.2.0/sandbox.vmdk"
        #expect(
            AssetTable.markdown([linked], notListed: [], pattern: "1.2.0").contains(
                "| [\(linked.name!)](https://d1.cloudfront.net/images/1.2.0/sandbox.vmdk) |"))
    }

    @Test func sizesReadAsPeopleDo() {
        #expect(AssetTable.humanSize(0) == "0 B" && AssetTable.humanSize(1023) == "1023 B")
        #expect(AssetTable.humanSize(1024) == "1.0 KiB" && AssetTable.humanSize(8 << 30) == "8.0 GiB")
        #expect(AssetTable.humanSize(1_610_612_736) == "1.5 GiB")
    }
}
