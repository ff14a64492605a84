import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct TagAssetsTests {
        let tag = "ta\(getpid())"

        func tags(of id: String, _ client: AWSClient) throws -> [String: String] {
            var p = QueryParams()
            p.filters([("resource-id", [id])])
            var out: [String: String] = [:]
            for t in try client.query("ec2", "DescribeTags", p.pairs)["tagSet"]?.list ?? [] {
                out[t["key"]?.string ?? ""] = t["value"]?.string
            }
            return out
        }

        @Test func tagsIdsFromArraysObjectsAndJSONLinesRepeatably() throws {
            let client = try AWSClient(environment: Emulator.environment())
            // The project's, as a release makes them, without an asset-id yet.
            func project(_ type: String) -> [(String, String)] {
                var p = QueryParams()
                p.tagSpecifications([type], tags: [AssetConventions.projectTag])
                return p.pairs
            }
            let volume = try client.query(
                "ec2", "CreateVolume", [("AvailabilityZone", "eu-west-1a"), ("Size", "1")] + project("volume"))[
                    "volumeId"]!.string!
            let pair = try client.query("ec2", "CreateKeyPair", [("KeyName", "\(tag)-untagged")] + project("key-pair"))[
                "keyPairId"]!.string!
            defer { _ = try? client.query("ec2", "DeleteKeyPair", [("KeyName", "\(tag)-untagged")]) }
            for stdin in [
                "\"\(volume)\"\n{\"Id\": \"\(pair)\"}\n",
                "[\"\(volume)\", {\"KeyPairId\": \"\(pair)\"}, \"\(volume)\"]",
            ] {
                let r = try run("tag-assets", ["--asset-id", "\(tag)-1", "-c"], stdin: stdin)
                #expect(r.status == 0 && r.json == [.string(volume), .string(pair)], "\(r.stderr)")
            }
            #expect(
                try tags(of: volume, client)["asset-id"] == "\(tag)-1"
                    && tags(of: pair, client)["asset-id"] == "\(tag)-1")
            let custom = try run(
                "tag-assets", ["--asset-id", "\(tag)-2", "--tag-key", "release"], stdin: "[\"\(volume)\"]")
            #expect(try custom.status == 0 && tags(of: volume, client)["release"] == "\(tag)-2")
            // No such resource has no project tag: refused before CreateTags; --force sends it, and AWS refuses.
            let missing = try run("tag-assets", ["--asset-id", "\(tag)-1"], stdin: "[\"vol-00000000000000000\"]")
            #expect(missing.status == 2 && missing.stderr.contains("vol-00000000000000000 has no project tag"))
            let forced = try run(
                "tag-assets", ["--asset-id", "\(tag)-1", "--force"], stdin: "[\"vol-00000000000000000\"]")
            #expect(forced.status == 1 && forced.stderr.contains("vol-00000000000000000"))
        }

        @Test func anEmptyListTagsNothingAndBadInputExits2() throws {
            let before = try Emulator.requestCount()
            for stdin in ["[]", "", "\n"] {
                let r = try run("tag-assets", ["--asset-id", "\(tag)-e", "-c"], stdin: stdin)
                #expect(r.status == 0 && r.stdout == "[]\n")
            }
            for (args, stdin) in [
                (["--asset-id", "x"], "{bad"), (["--asset-id", "x"], "[1]"),
                (["--asset-id", "x"], "[{\"name\": \"ami-1\"}]"),
                (["--asset-id", "x"], "[\"not an id\"]"), (["--asset-id", "-x"], "[]"), ([], "[]"),
            ] {
                let r = try run("tag-assets", args, stdin: stdin)
                #expect(
                    r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                    "\(stdin): \(r.stderr)")
            }
            #expect(try Emulator.requestCount() == before)
        }
    }
}
