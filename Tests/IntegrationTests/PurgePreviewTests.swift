import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 4: the dry run previews `--yes`. It makes the same read-only checks, prints
    /// lines of the same shape, and exits as `--yes` would; empty stdin is no list.
    @Suite struct PurgePreviewTests {
        let tag = "pp\(getpid())"

        func lines(_ r: ToolResult) -> [JSON] {
            r.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
        }

        @Test func theDryRunChecksWhatYesWouldAndExitsAsItWould() throws {
            let id = "\(tag)-1", bucket = "preview-\(tag)"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "1", "--amis", "1", "--exports", "0",
                "--key-pairs", "2", "--stacks", "0",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            let count = try #require(listed.json?.array?.count, "\(listed.stderr)")
            // Since the listing, one key pair lost its asset-id tag: --yes would refuse it.
            let untagged = seeded["key-pair"]![0]
            try Tags(AWSClient(environment: Emulator.environment())).untag(untagged, key: "asset-id")

            let before = try Emulator.actions().count
            let dry = try run("purge-assets", ["--dry-run", "--asset-id", id], stdin: listed.stdout)
            let sent = try Emulator.actions().dropFirst(before)
            #expect(!sent.isEmpty && sent.allSatisfy { $0.contains(":Describe") || $0.contains(":List") }, "\(sent)")
            #expect(dry.status == 2 && dry.stderr.contains("refused"), "\(dry.stderr)")
            let preview = lines(dry)
            #expect(preview.count == count, "\(dry.stdout)")
            #expect(
                preview.first { $0["Id"] == .string(untagged) }
                    == [
                        "Kind": "key-pair", "Id": .string(untagged), "Outcome": "refused",
                        "Reason": "it has no asset-id tag now",
                    ])
            #expect(preview.filter { $0["Outcome"] == "would remove" }.count == count - 1, "\(dry.stdout)")

            // --yes on the same list: the same lines, with what was done.
            let yes = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            #expect(yes.status == 2)
            let done = lines(yes)
            let shapes = Set(done.map { $0.object?.map(\.0).sorted() ?? [] })
            #expect(shapes.isSubset(of: [["Id", "Kind", "Outcome"], ["Id", "Kind", "Outcome", "Reason"]]))
            let outcomes = done.map { "\($0["Id"]?.string ?? "") \($0["Outcome"]?.string ?? "")" }
            let previewed = preview.map {
                "\($0["Id"]?.string ?? "") \($0["Outcome"] == "would remove" ? "removed" : "refused")"
            }
            #expect(outcomes.sorted() == previewed.sorted())
            try Tags(AWSClient(environment: Emulator.environment())).tag([untagged], [("asset-id", id)])
            let rest = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            #expect(try run("purge-assets", ["--yes", "--asset-id", id], stdin: rest.stdout).status == 0)
        }

        /// `--asset-id 9.9.9` on another release's list: every entry refused, exit 2.
        @Test func aDryRunOfAnotherAssetIdExits2() throws {
            let entry = #"{"Kind":"key-pair","Id":"key-0123456789abcdef0","AssetId":"1.2.0","Region":"eu-west-1"}"#
            let before = try Emulator.requestCount()
            let r = try run("purge-assets", ["--asset-id", "9.9.9"], stdin: "[\(entry)]")
            #expect(r.status == 2 && lines(r).first?["Outcome"] == "refused", "\(r.stdout) \(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }

        /// Outside make's pipefail a failed list-assets upstream sends nothing: no list is no purge.
        @Test func emptyStdinExits2UnlessAllowEmpty() throws {
            for args in [["--asset-id", "x"], ["--yes", "--asset-id", "x"]] {
                let empty = try run("purge-assets", args, stdin: "")
                #expect(
                    empty.status == 2 && empty.stdout.isEmpty && empty.stderr.contains("--allow-empty"),
                    "\(empty.stderr)")
                let allowed = try run("purge-assets", args + ["--allow-empty"], stdin: "\n")
                #expect(allowed.status == 0 && allowed.stdout.isEmpty, "\(allowed.stderr)")
            }
            // An empty list is a list: nothing to do.
            #expect(try run("purge-assets", ["--asset-id", "x"], stdin: "[]").status == 0)
        }
    }
}
