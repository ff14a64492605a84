import Foundation
import Testing
@testable import AWSCore

extension Integration {
    @Suite struct PurgeAssetsTests {
        let tag = "pa\(getpid())"

        @Test func inputThatIsNotListAssetsJSONExits2BeforeAnyRequest() throws {
            let valid = #"{"kind":"key-pair","id":"key-0123456789abcdef0","assetId":"x","region":"eu-west-1"}"#
            let before = try Emulator.requestCount()
            for stdin in ["{bad", "[1]", #"[{"kind":"ami"}]"#, #"{"x":1}"#, "[\(valid), 7]",
                          #"[{"kind":"s3-object","id":"k","assetId":"x","region":"eu-west-1"}]"#,
                          #"[{"kind":"ami","id":"ami-1","assetId":"x","region":"eu-west-1","size":"big"}]"#] {
                let r = try run("purge-assets", ["--yes"], stdin: stdin)
                #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(stdin): \(r.stderr)")
            }
            let both = try run("purge-assets", ["--yes", "--dry-run"], stdin: valid)
            #expect(both.status == 2 && both.stderr.split(separator: "\n").count == 1)
            let region = try run("purge-assets", ["--yes", "--region", "us-east-1"], stdin: valid)
            #expect(region.status == 2 && region.stderr.contains("not --region us-east-1"))
            #expect(try Emulator.requestCount() == before)
            // The list-assets array and a stream of its entries (what `--filter '.[]'` prints) both read.
            let stream = try run("purge-assets", stdin: valid + "\n" + valid.replacingOccurrences(of: "0123", with: "4567"))
            #expect(stream.status == 0 && stream.stdout.split(separator: "\n").count == 2)
            #expect(try run("purge-assets", stdin: "[]").stdout.isEmpty)
        }

        /// One failure does not stop the rest; what is gone is a success; a finished export is kept.
        @Test func outcomesPerAssetAndExit1WhenOneFailed() throws {
            let id = "\(tag)-o"
            let seeded = try Seed.run(["--asset-id", id, "--bucket", "assets-\(tag)-o", "--objects", "0", "--amis", "1",
                                       "--exports", "1", "--export-seconds", "0", "--key-pairs", "0", "--stacks", "0"])
            func entry(_ kind: String, _ id: String) -> String {
                #"{"kind":"\#(kind)","id":"\#(id)","assetId":"\#(self.tag)-o","region":"eu-west-1"}"#
            }
            let input = "[" + [entry("export-image-task", seeded["export-image-task"]![0]),
                               entry("stack", "arn:aws:cloudformation:eu-west-1:123456789012:stack/DATA-SCIENCE-SANDBOX-VM-Bucket/x"),
                               entry("ami", seeded["ami"]![0]), entry("snapshot", seeded["snapshot"]![0]),
                               entry("key-pair", "key-0123456789abcdef0")].joined(separator: ",") + "]"
            let r = try run("purge-assets", ["--yes"], stdin: input)
            let outcomes = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: "\n").compactMap { line -> (String, JSON)? in
                guard let j = try? JSON.parse(String(line)), let kind = j["kind"]?.string else { return nil }
                return (kind, j)
            })
            #expect(r.status == 1 && r.stderr.contains("1 of 5 assets could not be removed"))
            #expect(outcomes["export-image-task"]?["outcome"] == "kept" && outcomes["export-image-task"]?["reason"]?.string?.contains("finished") == true)
            #expect(outcomes["stack"]?["outcome"] == "failed" && outcomes["stack"]?["error"]?.string?.contains("permanent") == true)
            #expect(outcomes["ami"]?["outcome"] == "removed" && outcomes["snapshot"]?["outcome"] == "removed")
            #expect(outcomes["key-pair"]?["outcome"] == "already gone")
            let unknownFlag = try run("purge-assets", ["--yes", "--force"], stdin: input)
            #expect(unknownFlag.status == 2 && unknownFlag.stdout.isEmpty)
        }
    }
}
