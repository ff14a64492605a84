import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

/// The test ground's seeding script (Tests/seed_assets.py) run against the emulator: what it
/// made, by list-assets kind.
enum Seed {
    static let root = ProcessInfo.processInfo.environment["SANDBOX_ROOT"] ?? FileManager.default.currentDirectoryPath
    static let python = ProcessInfo.processInfo.environment["SANDBOX_PYTHON"] ?? root + "/build/venv/bin/python"

    static func run(_ args: [String]) throws -> [String: [String]] {
        let r = try StartedTool(python, [root + "/Tests/seed_assets.py"] + args).finish()
        guard r.status == 0, let object = r.json?.object else {
            throw ToolError.remote(
                "seed_assets.py \(args.joined(separator: " ")) failed (exit \(r.status)): \(r.stderr.suffix(2000))")
        }
        var seeded: [String: [String]] = [:]
        for (kind, ids) in object { seeded[kind] = ids.list.compactMap(\.string) }
        return seeded
    }

    /// `kind id` pairs, to compare a listing with what was seeded.
    static func pairs(_ seeded: [String: [String]]) -> Set<String> {
        Set(seeded.flatMap { kind, ids in ids.map { "\(kind) \($0)" } })
    }

    static func pairs(_ listing: JSON?) -> Set<String> {
        Set((listing?.array ?? []).map { "\($0["Kind"]?.string ?? "?") \($0["Id"]?.string ?? "?")" })
    }
}

extension Integration {
    @Suite struct ListAssetsTests {
        let tag = "la\(getpid())"

        /// The issue's scenario on one seeded account: 2,500 objects (three ListObjectsV2 pages),
        /// 60 stacks (two DescribeStacks pages), AMIs with snapshots, export tasks, key pairs, and
        /// a second asset-id beside them.
        @Test func theSeededAccountIsListedRenderedAndPurged() throws {
            let a = "\(tag)-a", b = "\(tag)-b", bucket = "assets-\(tag)"
            defer {  // whatever happened: no active export may stay to take the Region's five slots
                if let all = try? run("list-assets", ["--asset-id", "\(tag)-*", "--bucket", bucket]), all.status == 0 {
                    _ = try? run(
                        "purge-assets",
                        ["--yes", "--asset-id", "\(tag)-*", "--expect-count", "\(all.json?.array?.count ?? 0)"],
                        stdin: all.stdout)
                }
            }
            let seedA = try Seed.run(["--asset-id", a, "--bucket", bucket])
            let seedB = try Seed.run([
                "--asset-id", b, "--bucket", bucket, "--objects", "5", "--amis", "1", "--exports", "1",
                "--key-pairs", "1", "--stacks", "2",
            ])

            let listA = try run("list-assets", ["--asset-id", a, "--bucket", bucket])
            #expect(listA.status == 0, "\(listA.stderr)")
            #expect(Seed.pairs(listA.json) == Seed.pairs(seedA))
            let exports = listA.json?.array?.filter { $0["Kind"] == "export-image-task" } ?? []
            #expect(exports.count == 2 && exports.allSatisfy { $0["State"] == "active" && $0["AssetId"] == .string(a) })
            let stacks = listA.json?.array?.filter { $0["Kind"] == "stack" } ?? []
            #expect(
                stacks.count == 60
                    && stacks.allSatisfy { $0["Resources"]?.array?.first?["ResourceType"] == "AWS::SNS::Topic" })
            let entry = listA.json?.array?.first { $0["Kind"] == "s3-object" }
            #expect(
                entry?["AssetId"] == .string(a) && entry?["Bucket"] == .string(bucket) && entry?["Size"]?.number != nil)
            #expect(
                entry?["RemoveWith"]?.string?.hasPrefix("aws s3 rm --region eu-west-1 s3://\(bucket)/images/\(a)/")
                    == true)

            let both = try run("list-assets", ["--asset-id", "\(tag)-*", "--bucket", bucket])
            #expect(both.status == 0 && Seed.pairs(both.json) == Seed.pairs(seedA).union(Seed.pairs(seedB)))
            let some = try run(
                "list-assets", ["--asset-id", "\(tag)-?", "--bucket", bucket, "--kinds", "ami,key-pair"])
            #expect(
                Seed.pairs(some.json)
                    == Seed.pairs([
                        "ami": seedA["ami"]! + seedB["ami"]!, "key-pair": seedA["key-pair"]! + seedB["key-pair"]!,
                    ]))

            let total = seedA.values.map(\.count).reduce(0, +)
            let md = try run("list-assets", ["--asset-id", a, "--bucket", bucket, "--format", "markdown"])
            let mdLines = md.stdout.split(separator: "\n")
            #expect(
                md.status == 0 && mdLines.first == "### Assets of `\(a)`" && mdLines[1].hasPrefix("\(total) assets"))
            // The header, the rule, the assets and the stacks' resources.
            #expect(mdLines.filter { $0.hasPrefix("| ") }.count == 2 + total + 60)
            let table = try run("list-assets", ["--asset-id", a, "--bucket", bucket, "--format", "table"])
            let tableLines = table.stdout.split(separator: "\n")
            #expect(
                table.status == 0 && tableLines.first?.hasPrefix("KIND") == true
                    && tableLines.count == 1 + total + 60 + 1)
            #expect(!table.stdout.contains("\u{1B}"))  // not a terminal: no colour

            let before = try Emulator.actions().count
            let dry = try run("purge-assets", ["--asset-id", a], stdin: listA.stdout)
            let looks = try Emulator.actions().dropFirst(before)
            #expect(dry.status == 0 && looks.allSatisfy { !$0.contains("Delete") && !$0.contains("Deregister") })
            let planned = dry.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            #expect(
                planned.count == total
                    && planned.allSatisfy {
                        $0["Outcome"] == ($0["Kind"] == "export-image-task" ? "would untag" : "would remove")
                    })
            #expect(planned.first?["Kind"] == "export-image-task" && planned.last?["Kind"] == "key-pair")
            #expect(
                try Seed.pairs(run("list-assets", ["--asset-id", a, "--bucket", bucket]).json) == Seed.pairs(seedA))

            let purge = try run("purge-assets", ["--yes", "--asset-id", a], stdin: listA.stdout)
            let outcomes = purge.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            #expect(purge.status == 0, "\(purge.stderr)")
            #expect(
                outcomes.count == total
                    && outcomes.allSatisfy {
                        $0["Outcome"] == ($0["Kind"] == "export-image-task" ? "untagged" : "removed")
                    })
            #expect(
                outcomes.filter { $0["Reason"]?.string?.hasPrefix("cancelled; AWS keeps export task records") == true }
                    .count == 2)
            let after = try run("list-assets", ["--asset-id", a, "--bucket", bucket])
            #expect(after.status == 0 && after.json == [])
            #expect(
                try Seed.pairs(run("list-assets", ["--asset-id", b, "--bucket", bucket]).json) == Seed.pairs(seedB))
        }

        /// An AMI's snapshots belong to its asset-id even when only the AMI was tagged.
        @Test func untaggedSnapshotsOfAnAMIAreListedWithIt() throws {
            let id = "\(tag)-u", bucket = "assets-\(tag)-u"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "0", "--amis", "1", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0", "--untagged-snapshots",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            #expect(Seed.pairs(listed.json) == Seed.pairs(seeded))
            #expect(listed.json?.array?.first { $0["Kind"] == "snapshot" }?["AssetId"] == .string(id))
            let purge = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            #expect(try purge.status == 0 && run("list-assets", ["--asset-id", id, "--bucket", bucket]).json == [])
        }

        @Test func theBucketComesFromTheEnvironmentOrIsSkippedWithANote() throws {
            let id = "\(tag)-v", bucket = "assets-\(tag)-v"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "3", "--amis", "0", "--exports", "0",
                "--key-pairs", "0", "--stacks", "0",
            ])
            let fromEnv = try run(
                "list-assets", ["--asset-id", id, "--kinds", "s3-object", "--cdn-domain", "d1.example.net"],
                env: Emulator.environment(["VM_BUCKET": bucket]))
            #expect(Seed.pairs(fromEnv.json) == Seed.pairs(seeded))
            #expect(
                fromEnv.json?.array?.first?["Url"]?.string?.hasPrefix("https://d1.example.net/images/\(id)/") == true)
            // No VM bucket stack in that Region: the other kinds are listed, S3 is marked not listed.
            let elsewhere = try run("list-assets", ["--asset-id", id, "--region", "ap-south-1", "--allow-partial"])
            #expect(
                elsewhere.status == 0 && elsewhere.json?.array?.map { $0["Kind"] } == ["not-listed"]
                    && elsewhere.stderr.contains("not listed: s3-object"), "\(elsewhere.stdout) \(elsewhere.stderr)")
            _ = try run("purge-assets", ["--yes", "--asset-id", id], stdin: fromEnv.stdout)
        }

        /// A release killed between its export and the move leaves its image in the staging prefix:
        /// listed (without a URL: CloudFront does not serve it) and purged like a published one.
        @Test func stagedExportsAreListedAndPurged() throws {
            let id = "\(tag)-s", bucket = "assets-\(tag)-s"
            let aws = try AWSClient(environment: Emulator.environment())
            try Emulator.makeBucket(bucket, with: aws)
            let keys = ["images/\(id)/sandbox.vmdk", "staging/\(id)/export-ami-0123456789abcdef0.raw"]
            for key in keys + ["staging/\(id)x/other.raw"] {
                try S3Objects(aws).put(bucket: bucket, key: key, body: [1])
            }
            let listed = try run(
                "list-assets", ["--asset-id", id, "--kinds", "s3-object", "--bucket", bucket, "--cdn-domain", "d1.net"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let urls = Dictionary(
                uniqueKeysWithValues: (listed.json?.array ?? []).map { ($0["Id"]?.string ?? "", $0["Url"]?.string) })
            #expect(Set(urls.keys) == Set(keys))
            #expect(urls[keys[0]]??.hasPrefix("https://d1.net/images/") == true && urls[keys[1]] == .some(nil))
            let purge = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            #expect(purge.status == 0, "\(purge.stdout)\(purge.stderr)")
            #expect(try S3Objects(aws).missing(bucket: bucket, keys: keys) == Set(keys))
        }

        @Test func badFlagsExit2WithOneLineAndNoRequest() throws {
            let before = try Emulator.requestCount()
            for args in [
                ["--asset-id", "a b"], ["--asset-id", "1.*", "--kinds", "volume"], ["--asset-id", "[x]*"],
                ["--asset-id", "1", "--format", "table", "--filter", "."], ["--asset-id", "1", "--format", "html"], [],
            ] {
                let r = try run("list-assets", args)
                #expect(
                    r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                    "\(args): \(r.stderr)")
            }
            #expect(try Emulator.requestCount() == before)
        }
    }
}
