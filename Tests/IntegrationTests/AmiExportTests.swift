import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct AmiExportTests {
        static let defaults: JSON = ["exportSeconds": 3, "exportBytes": 1_048_576, "faultRate": 0, "faultLimit": nil]

        /// A client on the emulator, for setting up and checking what the tool did.
        let aws: AWSClient
        let unique: String

        init() throws {
            aws = try AWSClient(environment: Emulator.environment())
            unique = "\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        }

        // MARK: - helpers

        func makeBucket() throws -> String {
            let bucket = "ami-export-\(unique)"
            try Emulator.makeBucket(bucket, with: aws)
            return bucket
        }

        func runInstance() throws -> String {
            var p = QueryParams()
            p.add("ImageId", "ami-0a2b3c4d5e6f70001")
            p.add("InstanceType", "t3.micro")
            p.add("MinCount", "1")
            p.add("MaxCount", "1")
            return try aws.query("ec2", "RunInstances", p.pairs)["instancesSet"]!.list[0]["instanceId"]!.string!
        }

        /// `ami-export image` for a fresh instance; returns its JSON output.
        func makeImage(_ assetId: String) throws -> JSON {
            let r = try run(
                "ami-export",
                ["image", "--instance-id", try runInstance(), "--name", "sandbox-\(assetId)", "--asset-id", assetId])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(r.json)
        }

        func tasks(_ assetId: String) throws -> [ExportTask] {
            try ExportTasks(aws).tagged("asset-id", matching: AssetIdPattern(assetId))
        }

        func ownImages(_ assetId: String) throws -> [String] {
            var p = QueryParams()
            p.list("Owner", ["self"])
            p.filters([("tag:asset-id", [assetId])])
            return try aws.query("ec2", "DescribeImages", p.pairs)["imagesSet"]!.list.compactMap {
                $0["imageId"]?.string
            }
        }

        func snapshots(_ assetId: String) throws -> [String] {
            var p = QueryParams()
            p.list("Owner", ["self"])
            p.filters([("tag:asset-id", [assetId])])
            return try aws.query("ec2", "DescribeSnapshots", p.pairs)["snapshotSet"]!.list.compactMap {
                $0["snapshotId"]?.string
            }
        }

        /// The tags of each resource (image, snapshot, export task) tagged with the asset-id, live
        /// or deregistered since (EC2's tag records of a removed copy are read by DescribeTags).
        func tags(_ assetId: String) throws -> [String: [String: String]] {
            var p = QueryParams()
            p.filters([("key", ["asset-id"]), ("value", [assetId])])
            let ids = try aws.queryAll("ec2", "DescribeTags", p.pairs, list: "tagSet").compactMap {
                $0["resourceId"]?.string
            }
            var out: [String: [String: String]] = [:]
            for id in ids {
                var q = QueryParams()
                q.filters([("resource-id", [id])])
                out[id] = Tags.decode(try aws.query("ec2", "DescribeTags", q.pairs)["tagSet"])
            }
            return out
        }

        func object(_ bucket: String, _ key: String) throws -> [UInt8]? {
            do { return try aws.s3("GET", bucket: bucket, key: key).body } catch let ToolError.aws(e)
                where e.status == 404
            { return nil }
        }

        // MARK: - image

        @Test func imageIsTaggedWithItsSnapshotsAndReusedByName() throws {
            let assetId = "img-\(unique)"
            let image = try makeImage(assetId)
            #expect(image["State"] == "available")
            #expect(image["Name"] == .string("sandbox-\(assetId)"))
            let snapshotIds = image["SnapshotIds"]?.array?.compactMap(\.string) ?? []
            #expect(!snapshotIds.isEmpty)
            #expect(try ownImages(assetId) == [image["ImageId"]!.string!])
            #expect(Set(try snapshots(assetId)) == Set(snapshotIds))
            // Again with the same name: the AMI is reused, not made twice.
            let again = try run(
                "ami-export",
                ["image", "--instance-id", try runInstance(), "--name", "sandbox-\(assetId)", "--asset-id", assetId])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.json?["ImageId"] == image["ImageId"])
            #expect(try ownImages(assetId).count == 1)
            let tagged = try tags(assetId)
            #expect(
                tagged.count == 1 + snapshotIds.count
                    && tagged.values.allSatisfy { $0["project"] == "data-science-sandbox" }, "\(tagged)")
        }

        @Test func imageRequiresIMDSv2() throws {
            let assetId = "imds-\(unique)"
            let image = try makeImage(assetId)
            #expect(image["ImdsSupport"] == "v2.0")
            let described = try #require(try Images(aws).describe(id: image["ImageId"]!.string!))
            #expect(described.imdsSupport == "v2.0")
        }

        // MARK: - export

        @Test func threeFormatsSideBySide() throws {
            try Emulator.configure(AmiExportTests.defaults)
            let bucket = try makeBucket()
            let assetId = "three-\(unique)"
            let image = try makeImage(assetId)
            let r = try run(
                "ami-export",
                [
                    "export", "--format", "vmdk", "--format", "vhd", "--format", "raw", "--bucket", bucket,
                    "--asset-id", assetId, "--name", "sandbox", "--cdn-domain", "d123.cloudfront.net",
                ],
                stdin: image.serialized())
            #expect(r.status == 0, "\(r.stderr)")
            let results = try #require(r.json?.array)
            #expect(results.map { $0["Format"] } == ["vmdk", "vhd", "raw"])
            for (result, format) in zip(results, ["vmdk", "vhd", "raw"]) {
                // Where ExportImage wrote it, outside what CloudFront serves; where the release moves
                // it once verified, and its address there.
                let taskId = try #require(result["ExportImageTaskId"]?.string)
                let staged = "staging/\(assetId)/\(taskId).\(format)"
                let publish = "images/\(assetId)/sandbox.\(format)"
                #expect(result["Key"] == .string(staged))
                #expect(result["PublishKey"] == .string(publish))
                #expect(result["Bucket"] == .string(bucket))
                #expect(result["Size"] == 1_048_576)
                #expect(result["Url"] == .string("https://d123.cloudfront.net/" + publish))
                #expect(try object(bucket, staged)?.count == 1_048_576)
                #expect(try object(bucket, publish) == nil)
            }
            // The copies made for vhd and raw are gone with their snapshots; the base AMI stays.
            #expect(try ownImages(assetId) == [image["ImageId"]!.string!])
            #expect(Set(try snapshots(assetId)) == Set(image["SnapshotIds"]!.array!.compactMap(\.string)))

            // A re-run reuses the three completed tasks: no new task, the same output. It names the
            // CloudFront domain by the flag's old name, still accepted.
            let before = try tasks(assetId).count
            let again = try run(
                "ami-export",
                [
                    "export", "--format", "vmdk", "--format", "vhd", "--format", "raw", "--bucket", bucket,
                    "--asset-id", assetId, "--name", "sandbox", "--cloudfront-domain", "d123.cloudfront.net",
                ],
                stdin: image.serialized())
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.json == r.json)
            #expect(try tasks(assetId).count == before)
            // Once the release moved a file, a re-run reports it where it is now.
            let vmdk = try #require(results.first)
            let moved = try run(
                "ami-export",
                ["rename", "--bucket", bucket, "--key", vmdk["Key"]!.string!, "--to", vmdk["PublishKey"]!.string!])
            #expect(moved.status == 0, "\(moved.stderr)")
            let after = try run(
                "ami-export",
                ["export", "--format", "vmdk", "--bucket", bucket, "--asset-id", assetId, "--name", "sandbox"],
                stdin: image.serialized())
            #expect(after.status == 0, "\(after.stderr)")
            #expect(after.json?.array?.first?["Key"] == vmdk["PublishKey"])
            // Neither there (the staging prefix's lifecycle rule expired it): said, not taken for done.
            _ = try aws.s3("DELETE", bucket: bucket, key: results[2]["Key"]!.string!)
            let gone = try run(
                "ami-export",
                ["export", "--format", "raw", "--bucket", bucket, "--asset-id", assetId, "--name", "sandbox"],
                stdin: image.serialized())
            #expect(gone.status == 1 && gone.stderr.contains("neither") && gone.stderr.contains("export again"))
            // The export tasks, and the AMI copies made for vhd and raw, carry the project tag too.
            let tagged = try tags(assetId)
            #expect(tagged.keys.filter { $0.hasPrefix("export-ami-") }.count == 3, "\(tagged)")
            #expect(tagged.keys.filter { $0.hasPrefix("ami-") }.count == 3, "the AMI and its two copies: \(tagged)")
            #expect(tagged.values.allSatisfy { $0["project"] == "data-science-sandbox" }, "\(tagged)")
        }

        @Test func oneFormatPerProcessOnOneAMI() throws {
            // make -j: two processes, one format each, on the same AMI at once.
            try Emulator.configure(AmiExportTests.defaults)
            let bucket = try makeBucket()
            let assetId = "perfmt-\(unique)"
            let image = try makeImage(assetId)
            let imageId = image["ImageId"]!.string!
            var results: [ToolResult?] = []
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let r = try? run(
                    "ami-export",
                    [
                        "export", "--image-id", imageId, "--format", i == 0 ? "vmdk" : "vhd",
                        "--bucket", bucket, "--asset-id", assetId,
                    ])
                lock.withLock { results.append(r) }
            }
            for r in results {
                #expect(r?.status == 0, "\(r?.stderr ?? "did not run")")
                #expect(r?.json?.array?.count == 1)
            }
            for r in results {
                let key = try #require(r?.json?.array?.first?["Key"]?.string)
                #expect(key.hasPrefix("staging/\(assetId)/export-ami-"))
                #expect(try object(bucket, key)?.count == 1_048_576)
            }
            #expect(
                Set(results.compactMap { $0?.json?.array?.first?["PublishKey"]?.string }) == [
                    "images/\(assetId)/sandbox-\(assetId).vmdk", "images/\(assetId)/sandbox-\(assetId).vhd",
                ])
            #expect(try ownImages(assetId) == [imageId])
        }

        @Test func sequentialUsesTheOneAMI() throws {
            try Emulator.configure(["exportSeconds": 1])
            defer { try? Emulator.configure(AmiExportTests.defaults) }
            let bucket = try makeBucket()
            let assetId = "seq-\(unique)"
            let image = try makeImage(assetId)
            let r = try run(
                "ami-export",
                [
                    "export", "--format", "vhd", "--format", "raw", "--sequential", "--bucket", bucket,
                    "--asset-id", assetId, "--prefix", "seq/",
                ], stdin: image.serialized())
            #expect(r.status == 0, "\(r.stderr)")
            #expect(
                r.json?.array?.map { $0["Key"]?.string?.hasPrefix("seq/export-ami-") } == [true, true],
                "\(r.stdout)")
            #expect(
                r.json?.array?.map { $0["PublishKey"] } == [
                    .string("images/\(assetId)/sandbox-\(assetId).vhd"),
                    .string("images/\(assetId)/sandbox-\(assetId).raw"),
                ])
            #expect(try tasks(assetId).allSatisfy { $0.imageId == image["ImageId"]!.string! })
            #expect(!r.stderr.contains("copying"))
        }

        @Test func aFailedExportExitsOneWithItsMessage() throws {
            try Emulator.configure(AmiExportTests.defaults)
            let bucket = try makeBucket()
            let assetId = "fail-\(unique)"
            let image = try makeImage(assetId)
            let r = try run(
                "ami-export",
                [
                    "export", "--format", "vmdk", "--format", "raw", "--bucket", bucket, "--asset-id", assetId,
                    "--description", "EMULATOR-FAIL",
                ], stdin: image.serialized())
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            // Each format's reason once, in the final error line.
            #expect(r.stderr.components(separatedBy: "Unsupported kernel version").count == 3, "\(r.stderr)")
            #expect(try ownImages(assetId) == [image["ImageId"]!.string!])  // the raw copy is removed after its failure
        }

        @Test(arguments: [SIGINT, SIGTERM])
        func aSignalCancelsTheTasksItStartedAndRemovesTheCopies(signal: Int32) throws {
            try Emulator.configure(["exportSeconds": 60])
            defer { try? Emulator.configure(AmiExportTests.defaults) }
            let bucket = try makeBucket()
            let assetId = "sig\(signal)-\(unique)"
            let image = try makeImage(assetId)
            let tool = try StartedTool(
                "ami-export",
                [
                    "export", "--image-id", image["ImageId"]!.string!, "--format", "vmdk", "--format", "vhd",
                    "--bucket", bucket, "--asset-id", assetId,
                ])
            try tool.signal(signal, when: "the start of the two exports") {
                try tasks(assetId).filter(\.isActive).count == 2
            }
            let stderr = tool.finish().stderr
            #expect(tool.process.terminationStatus == 128 + signal, "\(stderr)")
            let all = try tasks(assetId)
            #expect(all.count == 2)
            #expect(
                all.allSatisfy { $0.status == "deleted" && $0.statusMessage?.contains("cancelled") == true },
                "\(all.map(\.status))")
            #expect(try ownImages(assetId) == [image["ImageId"]!.string!], "\(stderr)")
        }

        @Test func withTheFaultSwitchOnExactlyOneTaskPerFormat() throws {
            try Emulator.configure(["exportSeconds": 1])
            let bucket = try makeBucket()
            let assetId = "fault-\(unique)"
            let image = try makeImage(assetId)
            try Emulator.configure(["faultRate": 0.3, "faultLimit": 20])
            defer { try? Emulator.configure(AmiExportTests.defaults) }
            let r = try run(
                "ami-export",
                [
                    "export", "--format", "vmdk", "--format", "vhd", "--format", "raw", "--bucket", bucket,
                    "--asset-id", assetId,
                ], stdin: image.serialized(),
                env: Emulator.environment(["AWS_MAX_ATTEMPTS": "10"]))
            try Emulator.configure(["faultRate": 0])
            #expect(r.status == 0, "\(r.stderr)")
            let all = try tasks(assetId)
            #expect(all.count == 3, "\(all.map(\.id))")
            #expect(Set(all.compactMap { $0.tags["ami-export:format"] }) == ["vmdk", "vhd", "raw"])
        }

        @Test func multipartCopyKeepsEveryByte() throws {
            let bucket = try makeBucket()
            var bytes = [UInt8](repeating: 0, count: 12 << 20 | 12345)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
            _ = try aws.s3("PUT", bucket: bucket, key: "p/source.raw", body: .bytes(bytes))
            let r = try run(
                "ami-export",
                [
                    "rename", "--bucket", bucket, "--key", "p/source.raw", "--to", "p/final name.raw",
                    "--copy-threshold", "5MiB", "--part-size", "5MiB",
                ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["Parts"] == 3)
            #expect(r.json?["Size"] == .number(Double(bytes.count)))
            #expect(try object(bucket, "p/final name.raw") == bytes)
            #expect(try object(bucket, "p/source.raw") == nil)
            let etag = try aws.s3("HEAD", bucket: bucket, key: "p/final name.raw").headers["etag"] ?? ""
            #expect(S3Rename.isMultipartETag(etag, parts: 3), "\(etag)")
        }

        // MARK: - make-public

        /// Public AMIs count against a quota of 5 per Region: each test makes its own private again.
        func makePrivate(_ ids: [String]) {
            for id in ids {
                var p = QueryParams()
                p.add("ImageId", id)
                p.add("LaunchPermission.Remove.1.Group", "all")
                _ = try? aws.query("ec2", "ModifyImageAttribute", p.pairs)
            }
        }

        func publicImages() throws -> [String] {
            var p = QueryParams()
            p.list("Owner", ["self"])
            p.filters([("is-public", ["true"])])
            return try aws.query("ec2", "DescribeImages", p.pairs)["imagesSet"]!.list.compactMap {
                $0["imageId"]?.string
            }
        }

        @Test func makePublicGivesLaunchPermissionToAll() throws {
            let id = try makeImage("pub-\(unique)")["ImageId"]!.string!
            defer { makePrivate([id]) }
            let r = try run("ami-export", ["make-public", "--image-id", id, "--asset-id", "pub-\(unique)"])
            #expect(r.status == 0, "\(r.stderr)")
            var p = QueryParams()
            p.add("ImageId", id)
            p.add("Attribute", "launchPermission")
            let permissions = try aws.query("ec2", "DescribeImageAttribute", p.pairs)["launchPermission"]?.list ?? []
            #expect(permissions.contains { $0["group"] == "all" })
        }

        @Test func makePublicSaysWhetherBlockPublicAccessOrTheQuotaRefused() throws {
            let assetId = "quota-\(unique)"
            let first = try makeImage(assetId)["ImageId"]!.string!
            _ = try aws.query(
                "ec2", "EnableImageBlockPublicAccess", [("ImageBlockPublicAccessState", "block-new-sharing")])
            let blocked: ToolResult
            do {
                defer { _ = try? aws.query("ec2", "DisableImageBlockPublicAccess") }  // also when the run throws
                blocked = try run("ami-export", ["make-public", "--image-id", first, "--asset-id", assetId])
            }
            #expect(blocked.status == 1)
            #expect(blocked.stderr.contains("block public access for AMIs is on"), "\(blocked.stderr)")

            var made: [String] = []
            defer { makePrivate(made) }
            // One more than the quota of 5 leaves room for: none, when earlier runs left 6 or more.
            for i in 0...max(0, 5 - (try publicImages().count)) {
                var p = QueryParams()
                p.add("InstanceId", try runInstance())
                p.add("Name", "sandbox-\(assetId)-\(i)")
                let id = try aws.query("ec2", "CreateImage", p.pairs)["imageId"]!.string!
                let r = try run("ami-export", ["make-public", "--image-id", id, "--force"])  // untagged
                if r.status == 0 { made.append(id); continue }
                #expect(r.status == 1)
                #expect(r.stderr.contains("public-AMI quota"), "\(r.stderr)")
                return
            }
            Issue.record("the sixth public AMI was not refused")
        }

        // MARK: - bad input

        @Test(arguments: [
            (["export", "--format", "vmdk", "--bucket", "b", "--asset-id", "x"], "{not json"),
            (["export", "--format", "vmdk", "--bucket", "b", "--asset-id", "x"], #"{"ImageId":"ami-1","Nmae":"x"}"#),
            (["export", "--format", "vmdk", "--bucket", "b", "--asset-id", "x"], #"{"ImageId":7}"#),
            (["export", "--format", "qcow2", "--image-id", "ami-1", "--bucket", "b", "--asset-id", "x"], ""),
            (
                [
                    "export", "--format", "vhd", "--format", "vhd", "--image-id", "ami-1", "--bucket", "b",
                    "--asset-id", "x",
                ], ""
            ),
            (["export", "--image-id", "ami-1", "--bucket", "b", "--asset-id", "x"], ""),
            (["rename", "--bucket", "b", "--key", "k", "--to", "t", "--part-size", "1MiB"], ""),
            (["rename", "--bucket", "b", "--key", "k", "--to", "t", "--copy-threshold", "6GiB"], ""),
            // The export moves nothing: copy options belong to rename.
            (
                [
                    "export", "--format", "raw", "--image-id", "ami-1", "--bucket", "b", "--asset-id", "x",
                    "--copy-threshold", "5MiB",
                ], ""
            ),
            (["export", "--format", "raw", "--image-id", "ami-1", "--bucket", "b", "--asset-id", "bad id"], ""),
            (
                [
                    "export", "--format", "raw", "--image-id", "ami-1", "--bucket", "b", "--asset-id", "x",
                    "--frobnicate",
                ], ""
            ),
            (["image", "--instance-id", "i-1", "--name", "x", "--asset-id", "x"], ""),
            (["image", "--instance-id", "i-1", "--name", "ok-name", "--asset-id", "x", "--filter", ".["], ""),
            (["make-public"], ""),
            (["rename", "--bucket", "b", "--key", "k", "--to", "t", "--copy-threshold", "lots"], ""),
        ])
        func badInputExitsTwoWithOneLineAndSendsNothing(_ args: [String], _ stdin: String) throws {
            let before = try Emulator.requestCount()
            let r = try run("ami-export", args, stdin: stdin)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(try Emulator.requestCount() == before)
        }
    }
}
