import Testing
@testable import AWSCore
@testable import SandboxRelease

struct TagsTests {
    @Test func tagAssetsTakesIdsOrTheObjectsOfTheToolsBefore() throws {
        #expect(
            try Tags.resourceIds(["ami-1", ["Id": "snap-2"], "ami-1", "export-ami-0a"]) == [
                "ami-1", "snap-2", "export-ami-0a",
            ])
        // ami-export image's output, keypair create's, an entry of ami-export export's; other fields ignored.
        #expect(
            try Tags.resourceIds([
                ["ImageId": "ami-3", "Name": "n", "SnapshotIds": ["snap-4", "snap-5"], "State": "available"],
                ["KeyPairId": "key-6", "KeyName": "k"], ["ExportImageTaskId": "export-ami-7", "Format": "vmdk"],
            ]) == ["ami-3", "snap-4", "snap-5", "key-6", "export-ami-7"])
        #expect(try Tags.resourceIds([]) == [])
        #expect(usageMessage { _ = try Tags.resourceIds([1]) }?.contains("item 1") == true)
        #expect(
            usageMessage { _ = try Tags.resourceIds(["ami-1", ["name": "x"]]) }?.contains("item 2: no resource id")
                == true)
        #expect(
            usageMessage { _ = try Tags.resourceIds([["ImageId": "ami-1", "SnapshotIds": [7]]]) }?.contains(
                "'SnapshotIds' item 1") == true)
        #expect(usageMessage { _ = try Tags.resourceIds(["ami 1"]) }?.contains("not an EC2 resource id") == true)
        #expect(
            usageMessage { _ = try Tags.resourceIds(["AMI-1"]) } != nil
                && usageMessage { _ = try Tags.resourceIds(["ami-"]) } != nil)
    }
}
