import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 8: one key style (PascalCase, as the aws CLI prints), and each tool reads
    /// the output of the tool it follows in a pipeline; fields a person added with jq are
    /// ignored where they cannot change what happens.
    @Suite struct PipelineTests {
        let tag = "pl\(getpid())"

        @Test func cfnDeployReadsItsOwnOutput() throws {
            let stack = "pipeline-\(tag)"
            let template = NSTemporaryDirectory() + "pipeline-\(tag).json"
            try #"{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}"#.write(
                toFile: template, atomically: true, encoding: .utf8)
            defer { _ = try? run("cfn-deploy", ["--delete", "--stack", stack]) }
            let deployed = try run(
                "cfn-deploy", [], stdin: #"{"StackName":"\#(stack)","Template":"\#(template)","Tags":{"team":"data"}}"#)
            #expect(deployed.status == 0 && deployed.json?["Changed"] == true, "\(deployed.stderr)")
            let described = try run("cfn-deploy", ["--describe"], stdin: deployed.stdout)
            #expect(
                described.status == 0 && described.json?["StackId"] == deployed.json?["StackId"], "\(described.stderr)")
            // A misspelt input field could change the deploy: refused, naming it.
            let typo = try run(
                "cfn-deploy", [], stdin: #"{"StackName":"\#(stack)","Template":"\#(template)","Paramaters":{}}"#)
            #expect(typo.status == 2 && typo.stderr.contains("'Paramaters'"), "\(typo.stderr)")
        }

        @Test func tagAssetsReadsTheImageOfAmiExport() throws {
            let id = "\(tag)-i"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", "pl-\(tag)", "--objects", "0", "--amis", "1", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0",
            ])
            let image: JSON = [
                "ImageId": .string(seeded["ami"]![0]), "Name": "x",
                "SnapshotIds": .array(seeded["snapshot"]!.map(JSON.string)), "State": "available",
            ]
            let r = try run("tag-assets", ["--asset-id", id, "--tag-key", "release", "-c"], stdin: image.serialized())
            #expect(
                r.status == 0 && r.json == .array((seeded["ami"]! + seeded["snapshot"]!).map(JSON.string)),
                "\(r.stderr)")
            let snapshot = try Snapshots(AWSClient(environment: Emulator.environment())).list(
                filters: [("snapshot-id", seeded["snapshot"]!)])
            #expect(snapshot.first?.tags["release"] == id)
            let all = try run("list-assets", ["--asset-id", id, "--kinds", "ami,snapshot"])
            _ = try run("purge-assets", ["--yes", "--asset-id", id], stdin: all.stdout)
        }

        @Test func listAssetsPrintsPascalCaseAndPurgeIgnoresAddedFields() throws {
            let id = "\(tag)-l", bucket = "pl-\(tag)-l"
            _ = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "1", "--amis", "0", "--exports", "0",
                "--key-pairs", "1", "--stacks", "1",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let entries = try #require(listed.json?.array, "\(listed.stderr)")
            let keys = Set(entries.flatMap { $0.object?.map(\.0) ?? [] })
            #expect(
                keys == [
                    "Kind", "Id", "Name", "State", "Created", "Size", "AssetId", "Region", "Url", "RemoveWith",
                    "Bucket",
                    "Resources",
                ], "\(keys)")
            let resource = entries.first { $0["Kind"] == "stack" }?["Resources"]?.array?.first
            #expect(
                resource?["ResourceType"] == "AWS::SNS::Topic" && resource?["LogicalResourceId"] == "Topic"
                    && resource?["ResourceStatus"]?.string != nil, "\(String(describing: resource))")
            // A person's jq adds a note to each entry: it changes nothing of what purge does.
            let noted = JSON.array(
                entries.map {
                    var e = $0; e.set("Note", "reviewed"); return e
                })
            let purge = try run("purge-assets", ["--yes", "--asset-id", id], stdin: noted.serialized())
            #expect(purge.status == 0, "\(purge.stdout) \(purge.stderr)")
            #expect(try run("list-assets", ["--asset-id", id, "--bucket", bucket]).json == [])
        }
    }
}
