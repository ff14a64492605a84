import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct PurgeAssetsTests {
        let tag = "pa\(getpid())"

        @Test func inputThatIsNotListAssetsJSONExits2BeforeAnyRequest() throws {
            let valid = #"{"Kind":"key-pair","Id":"key-0123456789abcdef0","AssetId":"x","Region":"eu-west-1"}"#
            let before = try Emulator.requestCount()
            for stdin in [
                "{bad", "[1]", #"[{"Kind":"ami"}]"#, #"{"x":1}"#, "[\(valid), 7]",
                #"[{"Kind":"s3-object","Id":"k","AssetId":"x","Region":"eu-west-1"}]"#,
                #"[{"Kind":"ami","Id":"ami-1","AssetId":"x","Region":"eu-west-1","Size":"big"}]"#,
            ] {
                let r = try run("purge-assets", ["--yes", "--asset-id", "x"], stdin: stdin)
                #expect(
                    r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                    "\(stdin): \(r.stderr)")
            }
            let both = try run("purge-assets", ["--yes", "--dry-run", "--asset-id", "x"], stdin: valid)
            #expect(both.status == 2 && both.stderr.split(separator: "\n").count == 1)
            let region = try run("purge-assets", ["--yes", "--asset-id", "x", "--region", "us-east-1"], stdin: valid)
            #expect(region.status == 2 && region.stderr.contains("not --region us-east-1"))
            #expect(try Emulator.requestCount() == before)
            // The list-assets array and a stream of its entries (what `--filter '.[]'` prints) both read.
            let stream = try run(
                "purge-assets", ["--asset-id", "x"],
                stdin: valid + "\n" + valid.replacingOccurrences(of: "0123", with: "4567"))
            #expect(stream.status == 0 && stream.stdout.split(separator: "\n").count == 2)
            #expect(try run("purge-assets", ["--asset-id", "x"], stdin: "[]").stdout.isEmpty)
        }

        /// One failure does not stop the rest; what is gone is a success; an export task that
        /// ended before the cancel is untagged.
        @Test func outcomesPerAssetAndExit1WhenOneFailed() throws {
            let id = "\(tag)-o"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", "assets-\(tag)-o", "--objects", "0", "--amis", "1",
                "--exports", "1", "--export-seconds", "0", "--key-pairs", "0", "--stacks", "0",
            ])
            func entry(_ kind: String, _ id: String) -> String {
                #"{"Kind":"\#(kind)","Id":"\#(id)","AssetId":"\#(self.tag)-o","Region":"eu-west-1"}"#
            }
            let input =
                "["
                + [
                    entry("export-image-task", seeded["export-image-task"]![0]),
                    entry(
                        "stack", "arn:aws:cloudformation:eu-west-1:123456789012:stack/DATA-SCIENCE-SANDBOX-VM-Bucket/x"),
                    entry("ami", seeded["ami"]![0]), entry("snapshot", seeded["snapshot"]![0]),
                    entry("key-pair", "key-0123456789abcdef0"),
                ].joined(separator: ",") + "]"
            let r = try run("purge-assets", ["--yes", "--asset-id", id], stdin: input)
            let outcomes = Dictionary(
                uniqueKeysWithValues: r.stdout.split(separator: "\n").compactMap { line -> (String, JSON)? in
                    guard let j = try? JSON.parse(String(line)), let kind = j["Kind"]?.string else { return nil }
                    return (kind, j)
                })
            #expect(r.status == 1 && r.stderr.contains("1 of 5 assets could not be removed"))
            #expect(outcomes["export-image-task"]?["Outcome"] == "untagged")
            #expect(
                outcomes["export-image-task"]?["Reason"]
                    == "AWS keeps export task records (free); the asset-id tag was removed")
            #expect(
                outcomes["stack"]?["Outcome"] == "failed"
                    && outcomes["stack"]?["Error"]?.string?.contains("permanent") == true)
            #expect(outcomes["ami"]?["Outcome"] == "removed" && outcomes["snapshot"]?["Outcome"] == "removed")
            #expect(outcomes["key-pair"]?["Outcome"] == "already gone")
            let unknownFlag = try run("purge-assets", ["--yes", "--asset-id", id, "--force"], stdin: input)
            #expect(unknownFlag.status == 2 && unknownFlag.stdout.isEmpty)
        }

        /// Export task records cannot be deleted: list-assets shows them in every state, purge
        /// cancels the active ones and untags all, and then nothing of the id is listed.
        @Test func exportTasksInEveryStateAreListedThenUntagged() throws {
            let id = "\(tag)-e", bucket = "assets-\(tag)-e"
            let ended = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "0", "--amis", "1", "--exports", "1",
                "--export-seconds", "0", "--key-pairs", "0", "--stacks", "0",
            ])["export-image-task"]![0]
            let active = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "0", "--amis", "1", "--exports", "1",
                "--key-pairs", "0", "--stacks", "0",
            ])["export-image-task"]![0]
            // Active for an hour otherwise, and a Region allows 5 at a time: cancelled even when a check fails.
            defer {
                _ = try? AWSClient(environment: Emulator.environment()).query(
                    "ec2", "CancelExportTask", [("ExportTaskId", active)])
            }
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let exports = (listed.json?.array ?? []).filter { $0["Kind"] == "export-image-task" }
            let states = Dictionary(
                uniqueKeysWithValues: exports.map { ($0["Id"]?.string ?? "", $0["State"]?.string ?? "") })
            #expect(listed.status == 0 && states == [ended: "completed", active: "active"], "\(listed.stderr)")

            let dry = try run("purge-assets", ["--asset-id", id], stdin: listed.stdout)
            let plans = Dictionary(
                uniqueKeysWithValues: dry.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
                    .map { ($0["Id"]?.string ?? "", $0) })
            #expect(
                plans[ended] == [
                    "Kind": "export-image-task", "Id": .string(ended), "Outcome": "would untag",
                    "Reason": "AWS keeps export task records (free); the asset-id tag would be removed",
                ])
            #expect(
                plans[active]?["Outcome"] == "would untag"
                    && plans[active]?["Reason"]?.string?.hasPrefix("it would be cancelled first (it may be active)")
                        == true,
                "\(dry.stdout)")

            let purge = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            let outcomes = purge.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            #expect(purge.status == 0 && outcomes.count == listed.json?.array?.count, "\(purge.stderr)")
            #expect(
                outcomes.allSatisfy { $0["Outcome"] == ($0["Kind"] == "export-image-task" ? "untagged" : "removed") })
            #expect(try run("list-assets", ["--asset-id", id, "--bucket", bucket]).json == [])
            // Again, as after an interrupted purge: the tags are gone already, nothing fails.
            #expect(try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout).status == 0)
        }

        /// A second `--yes` on the same list removes nothing again: every asset is `already gone`,
        /// the S3 objects and the untagged export tasks too.
        @Test func aSecondPurgeOfTheSameListFindsEverythingGone() throws {
            let id = "\(tag)-g", bucket = "assets-\(tag)-g"
            _ = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "3", "--amis", "1", "--exports", "1",
                "--export-seconds", "0", "--key-pairs", "1", "--stacks", "0",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let kinds = Set((listed.json?.array ?? []).compactMap { $0["Kind"]?.string })
            #expect(
                listed.status == 0 && kinds.isSuperset(of: ["s3-object", "export-image-task", "ami", "key-pair"]),
                "\(listed.stdout)")
            #expect(try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout).status == 0)
            let again = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            let outcomes = again.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            #expect(again.status == 0 && outcomes.count == listed.json?.array?.count, "\(again.stderr)")
            #expect(outcomes.allSatisfy { $0["Outcome"] == "already gone" }, "\(again.stdout)")
        }
    }
}
