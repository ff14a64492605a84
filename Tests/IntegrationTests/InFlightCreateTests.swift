import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// A signal while a create call is in flight: the call is let finish, so what it made is
    /// cleaned up rather than lost. The emulator holds back the answer of one action after it did
    /// the work; the test signals the tool once the thing exists.
    @Suite struct InFlightCreateTests {
        let exports: AmiExportTests

        init() throws { exports = try AmiExportTests() }

        /// Holds back the answers of `action`, runs `body`, and gives the emulator its defaults back.
        func delaying(_ action: String, _ body: () throws -> Void) throws {
            var settings = AmiExportTests.defaults
            settings.set("exportSeconds", 60)
            settings.set("delay", ["action": .string(action), "seconds": 4])
            try Emulator.configure(settings)
            defer {
                var defaults = AmiExportTests.defaults
                defaults.set("delay", .null)
                try? Emulator.configure(defaults)
            }
            try body()
        }

        @Test func sigintDuringExportImageCancelsTheTaskItMade() throws {
            let bucket = try exports.makeBucket()
            let assetId = "inflight-\(exports.unique)"
            let image = try exports.makeImage(assetId)
            try delaying("ExportImage") {
                let tool = try StartedTool(
                    "ami-export",
                    [
                        "export", "--image-id", image["ImageId"]!.string!, "--format", "vmdk",
                        "--bucket", bucket, "--asset-id", assetId,
                    ])
                try tool.signal(SIGINT, when: "the export task") { try !exports.tasks(assetId).isEmpty }
                let r = tool.finish()
                #expect(r.status == 130, "\(r.stderr)")
                let all = try exports.tasks(assetId)
                #expect(
                    all.count == 1
                        && all.allSatisfy { $0.status == "deleted" && $0.statusMessage?.contains("cancelled") == true },
                    "\(all.map(\.status)) \(r.stderr)")
            }
        }

        /// The second format's AMI copy is made first; the signal comes while CopyImage's answer is held.
        @Test func sigintDuringCopyImageRemovesTheCopyItMade() throws {
            let bucket = try exports.makeBucket()
            let assetId = "inflight-copy-\(exports.unique)"
            let image = try exports.makeImage(assetId)
            let imageId = image["ImageId"]!.string!
            let snapshots = try exports.snapshots(assetId)
            try delaying("CopyImage") {
                let tool = try StartedTool(
                    "ami-export",
                    [
                        "export", "--image-id", imageId, "--format", "vmdk", "--format", "vhd",
                        "--bucket", bucket, "--asset-id", assetId,
                    ])
                try tool.signal(SIGINT, when: "the AMI copy") { try exports.ownImages(assetId).count == 2 }
                let r = tool.finish()
                #expect(r.status == 130, "\(r.stderr)")
                #expect(try exports.ownImages(assetId) == [imageId], "the copy was left behind: \(r.stderr)")
                #expect(try exports.snapshots(assetId) == snapshots, "the copy's snapshot was left behind")
                #expect(try exports.tasks(assetId).isEmpty, "no export was due to start before the copy")
            }
        }

        @Test func sigintDuringCreateImageRemovesTheImageItMade() throws {
            let assetId = "inflight-img-\(exports.unique)"
            let instance = try exports.runInstance()
            try delaying("CreateImage") {
                let tool = try StartedTool(
                    "ami-export",
                    ["image", "--instance-id", instance, "--name", "sandbox-\(assetId)", "--asset-id", assetId])
                try tool.signal(SIGINT, when: "the AMI") { try !exports.ownImages(assetId).isEmpty }
                let r = tool.finish()
                #expect(r.status == 130, "\(r.stderr)")
                #expect(try exports.ownImages(assetId).isEmpty, "the AMI was left behind: \(r.stderr)")
                #expect(try exports.snapshots(assetId).isEmpty, "its snapshots were left behind: \(r.stderr)")
            }
        }

        @Test func sigintDuringCreateKeyPairDeletesThePairItMade() throws {
            let assetId = "inflight-kp-\(exports.unique)"
            let file = NSTemporaryDirectory() + "\(assetId).pem"
            defer { unlink(file) }
            func pairs() throws -> [JSON] {
                var p = QueryParams()
                p.filters([("tag:asset-id", [assetId])])
                return try exports.aws.query("ec2", "DescribeKeyPairs", p.pairs)["keySet"]?.list ?? []
            }
            try delaying("CreateKeyPair") {
                let tool = try StartedTool("keypair", ["create", "--asset-id", assetId, "--key-file", file])
                try tool.signal(SIGINT, when: "the key pair") { try !pairs().isEmpty }
                let r = tool.finish()
                #expect(r.status == 130, "\(r.stderr)")
                #expect(try pairs().isEmpty, "the pair was left behind: \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: file))
            }
        }
    }
}
