import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

/// ami-export's creating calls with their answer lost (the relay closes the connection after the
/// emulator did the work). Each is sent again only because the repeat cannot make a second
/// thing: CreateImage's name is unique (the repeat is refused as a duplicate and the image found
/// by its name), ExportImage and CopyImage carry a client token (the repeat hands back the first
/// one). What was made exists once, carries the asset-id from its creation, and list-assets and
/// purge-assets find and remove it.
extension Integration {
    @Suite struct LostImageAnswerTests {
        let exports: AmiExportTests

        init() throws { exports = try AmiExportTests() }

        func through(_ relay: Relay) -> [String: String] { Emulator.environment(["AWS_ENDPOINT_URL": relay.url]) }

        /// How many requests for `action` went through the relay.
        func sent(_ action: String, _ relay: Relay) -> Int {
            relay.requests.components(separatedBy: "Action=\(action)&").count - 1
        }

        /// list-assets finds the asset's `kinds`; purge-assets on that list removes them all.
        func listedAndPurged(_ assetId: String, kinds: String, bucket: String? = nil) throws -> [JSON] {
            let scope = ["--asset-id", assetId, "--kinds", kinds] + (bucket.map { ["--bucket", $0] } ?? [])
            let listed = try run("list-assets", scope)
            #expect(listed.status == 0, "\(listed.stderr)")
            let entries = listed.json?.array ?? []
            let purged = try run("purge-assets", ["--yes", "--asset-id", assetId], stdin: listed.stdout)
            #expect(purged.status == 0, "\(purged.stderr)")
            let left = try run("list-assets", scope)
            #expect(left.status == 0 && left.json?.array?.isEmpty == true, "purge left: \(left.stdout)")
            return entries
        }

        @Test func createImageWhoseAnswerWasLostMakesOneImage() throws {
            let assetId = "lost-img-\(exports.unique)"
            let instance = try exports.runInstance()
            let relay = try Relay(lose: "Action=CreateImage")
            defer { relay.stop() }
            let r = try run(
                "ami-export",
                ["image", "--instance-id", instance, "--name", "sandbox-\(assetId)", "--asset-id", assetId],
                env: through(relay))
            #expect(relay.held)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(sent("CreateImage", relay) == 2, "the repeat after the lost answer: \(relay.requests.count) bytes")
            let images = try exports.ownImages(assetId)
            #expect(images.count == 1 && images.first == r.json?["ImageId"]?.string, "\(images) \(r.stderr)")
            let entries = try listedAndPurged(assetId, kinds: "ami,snapshot")
            #expect(entries.filter { $0["Kind"] == "ami" }.map { $0["Id"] } == images.map { .string($0) })
            #expect(try exports.ownImages(assetId).isEmpty)
        }

        @Test func exportImageWhoseAnswerWasLostMakesOneTask() throws {
            try Emulator.configure(AmiExportTests.defaults)
            let bucket = try exports.makeBucket()
            let assetId = "lost-exp-\(exports.unique)"
            let image = try exports.makeImage(assetId)
            let relay = try Relay(lose: "Action=ExportImage")
            defer { relay.stop() }
            let r = try run(
                "ami-export", ["export", "--format", "vmdk", "--bucket", bucket, "--asset-id", assetId],
                stdin: image.serialized(), env: through(relay))
            #expect(relay.held)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(sent("ExportImage", relay) == 2)
            let tasks = try exports.tasks(assetId)
            #expect(
                tasks.map(\.id) == [r.json?.array?.first?["ExportImageTaskId"]?.string].compactMap { $0 },
                "\(tasks.map(\.id)) \(r.stderr)")
            let entries = try listedAndPurged(
                assetId, kinds: "export-image-task,ami,snapshot,s3-object", bucket: bucket)
            #expect(entries.filter { $0["Kind"] == "export-image-task" }.count == 1, "\(entries)")
            #expect(entries.contains { $0["Kind"] == "s3-object" }, "\(entries)")
        }

        /// The second format gets its own AMI copy: that CopyImage's answer is lost.
        @Test func copyImageWhoseAnswerWasLostMakesOneCopy() throws {
            try Emulator.configure(AmiExportTests.defaults)
            let bucket = try exports.makeBucket()
            let assetId = "lost-copy-\(exports.unique)"
            let image = try exports.makeImage(assetId)
            let imageId = image["ImageId"]!.string!
            let relay = try Relay(lose: "Action=CopyImage")
            defer { relay.stop() }
            let r = try run(
                "ami-export",
                ["export", "--format", "vmdk", "--format", "vhd", "--bucket", bucket, "--asset-id", assetId],
                stdin: image.serialized(), env: through(relay))
            #expect(relay.held)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(sent("CopyImage", relay) == 2)
            // Every AMI ever tagged with the asset-id (a removed copy's tags stay readable): the base and one copy.
            let made = try exports.tags(assetId).keys.filter { $0.hasPrefix("ami-") }
            #expect(made.count == 2, "\(made) \(r.stderr)")
            // The copy was removed after its export; what is left is found and purged.
            #expect(try exports.ownImages(assetId) == [imageId])
            let entries = try listedAndPurged(
                assetId, kinds: "export-image-task,ami,snapshot,s3-object", bucket: bucket)
            #expect(entries.filter { $0["Kind"] == "ami" }.map { $0["Id"] } == [.string(imageId)], "\(entries)")
        }
    }
}
