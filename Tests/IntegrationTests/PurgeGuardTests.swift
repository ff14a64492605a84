import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// The issue's attacks on purge-assets: each asset is refused with an outcome line, and it is
    /// still there afterwards.
    @Suite struct PurgeGuardTests {
        let tag = "pg\(getpid())"
        let form = #""headers":{"Content-Type":"application/x-www-form-urlencoded; charset=utf-8"}"#

        func entry(_ kind: String, _ id: String, _ assetId: String, bucket: String? = nil) -> String {
            #"{"Kind":"\#(kind)","Id":"\#(id)","AssetId":"\#(assetId)","Region":"eu-west-1""#
                + (bucket.map { #","Bucket":"\#($0)""# } ?? "") + "}"
        }

        func ec2(_ body: String, filter: String) throws -> String {
            let r = try run(
                "aws-sign-request", ["-r", "--filter", filter],
                stdin: #"{"service":"ec2",\#(form),"body":"\#(body)&Version=2016-11-15"}"#)
            #expect(r.status == 0, "\(body): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func objectExists(_ bucket: String, _ key: String) throws -> Bool {
            try run(
                "aws-sign-request", ["--filter", ".status"],
                stdin: #"{"service":"s3","method":"HEAD","path":"/\#(bucket)/\#(key)"}"#
            )
            .stdout.hasPrefix("200")
        }

        func outcomes(_ r: ToolResult) -> [JSON] {
            r.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
        }

        /// An entry claiming asset-id 1 names an AMI and snapshot tagged 2, an untagged key pair,
        /// an S3 key of release 2 and one outside the images prefix: all refused, all still there.
        @Test func entriesThatClaimAnotherAssetIdRemoveNothing() throws {
            let one = "\(tag)-1", two = "\(tag)-2", bucket = "guard-\(tag)"
            let seeded = try Seed.run([
                "--asset-id", two, "--bucket", bucket, "--objects", "1", "--amis", "1", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0",
            ])
            let ami = seeded["ami"]![0], snapshot = seeded["snapshot"]![0], object = seeded["s3-object"]![0]
            let pair = try ec2("Action=CreateKeyPair&KeyName=untagged-\(tag)", filter: ".json.keyPairId")
            #expect(
                try run(
                    "aws-sign-request",
                    stdin: #"{"service":"s3","method":"PUT","path":"/\#(bucket)/config/other-data.json","body":"{}"}"#
                )
                .status == 0)
            let input =
                "["
                + [
                    entry("ami", ami, one), entry("snapshot", snapshot, one), entry("key-pair", pair, one),
                    entry("s3-object", object, one, bucket: bucket),
                    entry("s3-object", "config/other-data.json", one, bucket: bucket),
                ].joined(separator: ",") + "]"
            let sentBefore = try Emulator.actions().count
            let r = try run("purge-assets", ["--yes", "--asset-id", one], stdin: input)
            let lines = outcomes(r)
            // The emulator's request log: only looks, no removal was sent.
            let sent = try Emulator.actions().dropFirst(sentBefore)
            #expect(!sent.isEmpty && sent.allSatisfy { $0.contains(":Describe") || $0.contains(":List") }, "\(sent)")
            #expect(
                r.status == 2 && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains("5 of 5 assets were refused"),
                "\(r.stderr)")
            #expect(
                lines.count == 5 && lines.allSatisfy { $0["Outcome"] == "refused" && $0["Reason"]?.string != nil },
                "\(r.stdout)")
            #expect(
                lines.first { $0["Kind"] == "ami" }?["Reason"]
                    == .string("its asset-id tag is now '\(two)', the entry says '\(one)'"))
            #expect(lines.first { $0["Kind"] == "key-pair" }?["Reason"] == "it has no asset-id tag now")
            // Everything is still there.
            #expect(
                try Seed.pairs(run("list-assets", ["--asset-id", two, "--bucket", bucket]).json) == Seed.pairs(seeded))
            // moto ignores KeyPairId.N: the filter asks for the one pair.
            let look = "Action=DescribeKeyPairs&Filter.1.Name=key-pair-id&Filter.1.Value.1=\(pair)"
            #expect(try ec2(look, filter: ".json.keySet | length") == "1")
            #expect(try objectExists(bucket, "config/other-data.json"))
            // The entries of release 2 under --asset-id 1 are refused before any request.
            let before = try Emulator.requestCount()
            let claimed =
                "[" + [entry("ami", ami, two), entry("s3-object", object, two, bucket: bucket)].joined(separator: ",")
                + "]"
            let other = try run("purge-assets", ["--yes", "--asset-id", one], stdin: claimed)
            #expect(try other.status == 2 && outcomes(other).count == 2 && Emulator.requestCount() == before)
            _ = try ec2("Action=DeleteKeyPair&KeyPairId=\(pair)", filter: ".status")
            let all = try run("list-assets", ["--asset-id", two, "--bucket", bucket])
            #expect(try run("purge-assets", ["--yes", "--asset-id", two], stdin: all.stdout).status == 0)
        }

        /// A list read before the AMI was re-tagged to another release removes nothing of it.
        @Test func aStaleListIsCheckedAgainstTheLiveTags() throws {
            let id = "\(tag)-s", later = "\(tag)-t", bucket = "guard-\(tag)-s"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "0", "--amis", "1", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0",
            ])
            let stale = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let retag = #"["\#(seeded["ami"]![0])","\#(seeded["snapshot"]![0])"]"#
            #expect(try run("tag-assets", ["--asset-id", later, "--force"], stdin: retag).status == 0)
            let r = try run("purge-assets", ["--yes", "--asset-id", id], stdin: stale.stdout)
            #expect(
                r.status == 2 && outcomes(r).count == 2 && outcomes(r).allSatisfy { $0["Outcome"] == "refused" },
                "\(r.stdout) \(r.stderr)")
            #expect(
                try Seed.pairs(run("list-assets", ["--asset-id", later, "--kinds", "ami,snapshot"]).json)
                    == ["ami \(seeded["ami"]![0])", "snapshot \(seeded["snapshot"]![0])"])
            _ = try run(
                "purge-assets", ["--yes", "--asset-id", later], stdin: run("list-assets", ["--asset-id", later]).stdout)
        }

        /// make-public marks the AMI and its snapshots published: a purge leaves them unless told.
        @Test func publishedAssetsNeedIncludePublished() throws {
            let id = "\(tag)-p", bucket = "guard-\(tag)-p"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "0", "--amis", "1", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0",
            ])
            let pub = try run("ami-export", ["make-public", "--image-id", seeded["ami"]![0], "--asset-id", id])
            #expect(pub.status == 0, "\(pub.stderr)")
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let refused = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            #expect(
                refused.status == 2 && outcomes(refused).count == 2
                    && outcomes(refused).allSatisfy {
                        $0["Outcome"] == "refused" && $0["Reason"]?.string?.contains("published") == true
                    },
                "\(refused.stdout)")
            #expect(
                try Seed.pairs(run("list-assets", ["--asset-id", id, "--bucket", bucket]).json) == Seed.pairs(seeded))
            let removed = try run(
                "purge-assets", ["--yes", "--asset-id", id, "--include-published"], stdin: listed.stdout)
            #expect(
                removed.status == 0 && outcomes(removed).allSatisfy { $0["Outcome"] == "removed" }, "\(removed.stdout)")
        }

        /// The S3 images of a published release (the public downloads them) carry no tag: the
        /// release's AMI tagged published=true refuses them, after one look for all its keys (a look
        /// that fails removes none); --include-published removes them alone; an unpublished
        /// release's images go as before.
        @Test func imagesOfAPublishedReleaseNeedIncludePublished() throws {
            let id = "\(tag)-i", plain = "\(tag)-u", bucket = "guard-\(tag)-i"
            func seed(_ assetId: String, objects: Int) throws -> [String: [String]] {
                try Seed.run([
                    "--asset-id", assetId, "--bucket", bucket, "--objects", "\(objects)", "--amis", "1", "--exports",
                    "0", "--key-pairs", "0", "--stacks", "0",
                ])
            }
            func images(_ assetId: String) throws -> ToolResult {
                try run("list-assets", ["--asset-id", assetId, "--bucket", bucket, "--kinds", "s3-object"])
            }
            let published = try seed(id, objects: 3), unpublished = try seed(plain, objects: 2)
            let pub = try run("ami-export", ["make-public", "--image-id", published["ami"]![0], "--asset-id", id])
            #expect(pub.status == 0, "\(pub.stderr)")
            let listed = try images(id)
            var before = try Emulator.actions().count
            let refused = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            // One look for the three keys, and nothing deleted.
            #expect(try Array(Emulator.actions().dropFirst(before)) == ["ec2:DescribeImages"])
            #expect(
                refused.status == 2 && outcomes(refused).count == 3
                    && outcomes(refused).allSatisfy {
                        $0["Outcome"] == "refused"
                            && $0["Reason"]?.string?.hasPrefix("release \(id) is published") == true
                    },
                "\(refused.stdout) \(refused.stderr)")
            // A look that fails removes nothing: each key is failed (exit 1), no delete is sent.
            before = try Emulator.actions().count
            let unknown: ToolResult
            do {
                try Emulator.configure(["faultRate": 1, "faultKinds": ["throttling"], "faultLimit": 1])
                defer {
                    try? Emulator.configure([
                        "faultRate": 0, "faultKinds": ["slowdown", "throttling", "drop"], "faultLimit": nil,
                    ])
                }
                unknown = try run(
                    "purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout,
                    env: Emulator.environment(["AWS_MAX_ATTEMPTS": "1"]))
            }
            #expect(try Array(Emulator.actions().dropFirst(before)) == ["ec2:DescribeImages"])
            #expect(
                unknown.status == 1 && outcomes(unknown).count == 3
                    && outcomes(unknown).allSatisfy { $0["Outcome"] == "failed" },
                "\(unknown.stdout) \(unknown.stderr)")
            #expect(try Seed.pairs(images(id).json) == Seed.pairs(["s3-object": published["s3-object"]!]))
            // The unpublished release beside it: its images go without the flag, and only they.
            #expect(try Seed.pairs(images(plain).json) == Seed.pairs(["s3-object": unpublished["s3-object"]!]))
            before = try Emulator.actions().count
            let plainPurge = try run("purge-assets", ["--yes", "--asset-id", plain], stdin: images(plain).stdout)
            #expect(
                plainPurge.status == 0 && outcomes(plainPurge).count == 2
                    && outcomes(plainPurge).allSatisfy { $0["Outcome"] == "removed" },
                "\(plainPurge.stdout) \(plainPurge.stderr)")
            #expect(try Emulator.actions().dropFirst(before).filter { $0.contains("Delete") } == ["s3:DeleteObjects"])
            #expect(try Seed.pairs(images(id).json).count == 3 && images(plain).json?.array?.isEmpty == true)
            // With the flag: no look, one delete, and the published release's images are gone.
            before = try Emulator.actions().count
            let removed = try run(
                "purge-assets", ["--yes", "--asset-id", id, "--include-published"], stdin: listed.stdout)
            #expect(
                removed.status == 0 && outcomes(removed).count == 3
                    && outcomes(removed).allSatisfy { $0["Outcome"] == "removed" },
                "\(removed.stdout) \(removed.stderr)")
            #expect(try Emulator.actions().dropFirst(before).filter { !$0.hasPrefix("s3:") }.isEmpty)
            #expect(try Emulator.actions().dropFirst(before).filter { $0.contains("Delete") } == ["s3:DeleteObjects"])
            #expect(try images(id).json?.array?.isEmpty == true)
            for (assetId, flag) in [(id, ["--include-published"]), (plain, [])] {
                let rest = try run("list-assets", ["--asset-id", assetId, "--bucket", bucket])
                #expect(
                    try run("purge-assets", ["--yes", "--asset-id", assetId] + flag, stdin: rest.stdout).status == 0)
            }
        }

        /// `ASSET_ID='*'`: a glob removes only with the count of the reviewed list, else exit 2
        /// before any request.
        @Test func aGlobNeedsTheExpectedCount() throws {
            let input = "[" + entry("key-pair", "key-0123456789abcdef0", "\(tag)-g") + "]"
            let before = try Emulator.requestCount()
            for args in [["--asset-id", "*"], ["--asset-id", "*", "--expect-count", "2"]] {
                let r = try run("purge-assets", ["--yes"] + args, stdin: input)
                #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
            #expect(try Emulator.requestCount() == before)
            let counted = try run("purge-assets", ["--yes", "--asset-id", "*", "--expect-count", "1"], stdin: input)
            #expect(counted.status == 0 && outcomes(counted).first?["Outcome"] == "already gone", "\(counted.stderr)")
        }
    }
}
