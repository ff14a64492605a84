import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 3: `keypair delete`, `ami-export make-public` and `tag-assets` change only
    /// what carries the release's tags (the project tag and the asset-id given), and refuse
    /// anything else (exit 2, naming its asset-id) unless `--force`.
    @Suite struct OwnershipGuardTests {
        let tag = "og\(getpid())"
        let aws: AWSClient

        init() throws { aws = try AWSClient(environment: Emulator.environment()) }

        func pair(named name: String) throws -> KeyPair? {
            try KeyPairs(aws).list(filters: [("key-name", [name])]).first
        }

        /// An AMI of a fresh instance, tagged as given (CreateImage's own tags).
        func image(_ name: String, tags: [(String, String)]) throws -> String {
            var p = QueryParams()
            p.add("InstanceId", try AmiExportTests().runInstance())
            p.add("Name", name)
            if !tags.isEmpty { p.tagSpecifications(["image", "snapshot"], tags: tags) }
            return try #require(try aws.query("ec2", "CreateImage", p.pairs)["imageId"]?.string)
        }

        func isPublic(_ image: String) throws -> Bool {
            var p = QueryParams()
            p.add("ImageId", image)
            p.add("Attribute", "launchPermission")
            return try aws.query("ec2", "DescribeImageAttribute", p.pairs)["launchPermission"]?.list
                .contains { $0["group"] == "all" } ?? false
        }

        @Test func keypairDeleteRefusesAPairItDidNotMake() throws {
            let outsider = "prod-bastion-\(tag)"
            _ = try aws.query("ec2", "CreateKeyPair", [("KeyName", outsider)])
            defer { try? KeyPairs(aws).delete(name: outsider) }
            let untagged = try run("keypair", ["delete", "--name", outsider, "--asset-id", "\(tag)-1"])
            #expect(
                untagged.status == 2 && untagged.stdout.isEmpty && untagged.stderr.contains("no project tag"),
                "\(untagged.stderr)")
            #expect(try pair(named: outsider) != nil)

            // Another release's pair: named in the refusal; --force removes it.
            let dir = NSTemporaryDirectory() + "og-\(tag)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let created = try run("keypair", ["create", "--asset-id", "\(tag)-2", "--key-file", dir + "/k.pem"])
            let name = try #require(created.json?["KeyName"]?.string, "\(created.stderr)")
            let other = try run("keypair", ["delete", "--name", name, "--asset-id", "\(tag)-1"])
            #expect(
                other.status == 2 && other.stderr.contains("asset-id=\(tag)-2") && other.stderr.contains("--force"),
                "\(other.stderr)")
            #expect(try pair(named: name) != nil)
            let noAssetId = try run("keypair", ["delete", "--name", name])
            #expect(noAssetId.status == 2 && noAssetId.stderr.contains("--asset-id"), "\(noAssetId.stderr)")
            // Its own asset-id, from the JSON of keypair create: deleted, file and all.
            let own = try run("keypair", ["delete"], stdin: created.stdout)
            #expect(own.status == 0 && own.json?["KeyPair"] == "deleted", "\(own.stderr)")
            let forced = try run("keypair", ["delete", "--name", outsider, "--force"])
            #expect(forced.status == 0 && forced.json?["KeyPair"] == "deleted", "\(forced.stderr)")
            #expect(try pair(named: outsider) == nil)
        }

        @Test func makePublicRefusesAnImageOfNoReleaseOrOfAnother() throws {
            let untagged = try image("og-untagged-\(tag)", tags: [])
            let other = try image(
                "og-other-\(tag)", tags: AssetConventions.tags(tagKey: "asset-id", assetId: "\(tag)-2"))
            defer { try? AmiExportTests().makePrivate([untagged, other]) }
            let none = try run("ami-export", ["make-public", "--image-id", untagged, "--asset-id", "\(tag)-1"])
            #expect(none.status == 2 && none.stderr.contains("no project tag"), "\(none.stderr)")
            let theirs = try run("ami-export", ["make-public", "--image-id", other, "--asset-id", "\(tag)-1"])
            #expect(theirs.status == 2 && theirs.stderr.contains("asset-id=\(tag)-2"), "\(theirs.stderr)")
            #expect(try !isPublic(untagged) && !isPublic(other))
            let own = try run("ami-export", ["make-public", "--image-id", other, "--asset-id", "\(tag)-2"])
            #expect(own.status == 0 && own.json?["Public"] == true, "\(own.stderr)")
            let forced = try run("ami-export", ["make-public", "--image-id", untagged, "--force"])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try isPublic(untagged) && isPublic(other))
        }

        /// `list-assets --asset-id 1.2.0 | tag-assets --asset-id 1.2.1` moved release 1.2.0's AMI
        /// and snapshot to 1.2.1; now it is refused before any tag changes.
        @Test func tagAssetsRefusesToMoveAnotherReleasesAssets() throws {
            let old = "\(tag)-0", new = "\(tag)-1"
            let ami = try image("og-moved-\(tag)", tags: AssetConventions.tags(tagKey: "asset-id", assetId: old))
            let listed = try run("list-assets", ["--asset-id", old, "--kinds", "ami,snapshot"])
            #expect(listed.status == 0 && listed.json?.array?.count == 2, "\(listed.stdout) \(listed.stderr)")
            let moved = try run("tag-assets", ["--asset-id", new], stdin: listed.stdout)
            #expect(
                moved.status == 2 && moved.stdout.isEmpty && moved.stderr.contains("asset-id=\(old)")
                    && moved.stderr.contains("--force"), "\(moved.stderr)")
            #expect(try Images(aws).describe(id: ami)?.tags["asset-id"] == old)
            let forced = try run("tag-assets", ["--asset-id", new, "--force"], stdin: listed.stdout)
            #expect(forced.status == 0 && forced.json?.array?.count == 2, "\(forced.stderr)")
            #expect(try Images(aws).describe(id: ami)?.tags["asset-id"] == new)
            let all = try run("list-assets", ["--asset-id", new, "--kinds", "ami,snapshot"])
            _ = try run("purge-assets", ["--yes", "--asset-id", new], stdin: all.stdout)
        }
    }
}
