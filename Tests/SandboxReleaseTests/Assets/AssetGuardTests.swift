import Testing
@testable import AWSCore
@testable import SandboxRelease

struct AssetGuardTests {
    /// What the purge guard refuses from the entry alone and from the live tags.
    @Test func refusals() throws {
        let one = AssetGuard(
            pattern: try AssetIdPattern("1.0"), tagKey: "asset-id", imagesPrefix: "images", includePublished: false)
        func asset(_ kind: Asset.Kind, _ id: String, _ assetId: String = "1.0") -> Asset {
            Asset(
                kind: kind, id: id, name: nil, state: nil, created: nil, size: nil, assetId: assetId, region: "r",
                bucket: "b")
        }
        #expect(one.refusal(asset(.ami, "ami-1")) == nil)
        #expect(one.refusal(asset(.ami, "ami-1", "2.0.0"))?.contains("not --asset-id '1.0'") == true)
        #expect(one.refusal(asset(.s3Object, "images/1.0/a.vmdk")) == nil)
        // What a killed release left in the staging prefix is its own too.
        #expect(one.refusal(asset(.s3Object, "staging/1.0/export-ami-1.raw")) == nil)
        for key in [
            "images/2.0.0/a.vmdk", "config/other-data.json", "images/1.0/../2.0.0/a.vmdk", "images/1.0",
            "staging/2.0.0/a.raw",
        ] {
            #expect(
                one.refusal(asset(.s3Object, key))?.contains("not under 'images/1.0/' or 'staging/1.0/'") == true,
                "\(key)")
        }
        #expect(one.check(asset(.ami, "ami-1"), liveTags: ["asset-id": "1.0"]) == nil)
        #expect(one.check(asset(.ami, "ami-1"), liveTags: nil) == .alreadyGone)
        #expect(
            one.check(asset(.ami, "ami-1"), liveTags: ["asset-id": "2.0.0"])
                == .refused("its asset-id tag is now '2.0.0', the entry says '1.0'"))
        #expect(one.check(asset(.keyPair, "key-1"), liveTags: [:]) == .refused("it has no asset-id tag now"))
        #expect(one.check(asset(.exportImageTask, "export-ami-1"), liveTags: [:]) == .alreadyGone)
        let published = ["asset-id": "1.0", "published": "true"]
        #expect(
            one.check(asset(.snapshot, "snap-1"), liveTags: published)
                == .refused("it is published (tag published=true); --include-published removes it"))
        var all = one
        all.includePublished = true
        #expect(all.check(asset(.snapshot, "snap-1"), liveTags: published) == nil)
        // An S3 key carries no tag: its release's published AMI stands for it.
        let image = asset(.s3Object, "images/1.0/a.vmdk")
        #expect(one.check(image, liveTags: one.objectTags(image, published: false)) == nil)
        #expect(
            one.check(image, liveTags: one.objectTags(image, published: true))
                == .refused(
                    "release 1.0 is published (its AMI is tagged published=true) and the public downloads its images; "
                        + "--include-published removes it"))
        #expect(all.check(image, liveTags: all.objectTags(image, published: true)) == nil)
        #expect(
            usageMessage { try AssetLogicTests.anyAsset.confirm(count: 3, expectCount: nil) }?.contains(
                "--expect-count 3") == true)
        #expect(usageMessage { try AssetLogicTests.anyAsset.confirm(count: 3, expectCount: 2) } != nil)
        try AssetLogicTests.anyAsset.confirm(count: 3, expectCount: 3)
        try one.confirm(count: 3, expectCount: nil)
    }
}
