import Testing
@testable import AWSCore
@testable import SandboxRelease

struct TagsTests {
    @Test func tagAssetsTakesIdsOrObjectsWithId() throws {
        #expect(
            try Tags.resourceIds(["ami-1", ["id": "snap-2"], "ami-1", "export-ami-0a"]) == [
                "ami-1", "snap-2", "export-ami-0a",
            ])
        #expect(try Tags.resourceIds([]) == [])
        #expect(usageMessage { _ = try Tags.resourceIds([1]) }?.contains("item 1") == true)
        #expect(
            usageMessage { _ = try Tags.resourceIds(["ami-1", ["name": "x"]]) }?.contains("item 2: missing 'id'")
                == true)
        #expect(usageMessage { _ = try Tags.resourceIds(["ami 1"]) }?.contains("not an EC2 resource id") == true)
        #expect(
            usageMessage { _ = try Tags.resourceIds(["AMI-1"]) } != nil
                && usageMessage { _ = try Tags.resourceIds(["ami-"]) } != nil)
    }
}
