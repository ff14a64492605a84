import Foundation
import Testing
@testable import AWSCore

/// `--filter` failing on the output exits 5, as jq does, and the action itself was done.
extension Integration {
    @Suite struct FilterFailureTests {
        let unique = "ff\(getpid())-\(UInt32.random(in: 0..<1_000_000))"

        func keyPairIds(tagged value: String) throws -> [String] {
            var p = QueryParams()
            p.filters([("tag:asset-id", [value])])
            return try AWSClient(environment: Emulator.environment()).query("ec2", "DescribeKeyPairs", p.pairs)[
                "keySet"]?
                .list.compactMap { $0["keyPairId"]?.string } ?? []
        }

        @Test func keypairAndTagAssetsExit5AfterDoingTheirWork() throws {
            let file = NSTemporaryDirectory() + "\(unique).pem"
            defer {
                _ = try? run("keypair", ["delete", "--name", "sandbox-\(unique)-key", "--key-file", file, "--force"])
            }
            let created = try run(
                "keypair",
                [
                    "create", "--asset-id", unique, "--key-file", file, "--name", "sandbox-\(unique)-key",
                    "--filter", #"error("filter says no")"#,
                ])
            #expect(created.status == 5, "\(created.stderr)")
            #expect(created.stderr.contains("filter says no"))
            let ids = try keyPairIds(tagged: unique)
            #expect(
                ids.count == 1 && FileManager.default.fileExists(atPath: file),
                "the key pair was not made: \(created.stderr)")

            let retagged = "\(unique)-b"
            let tagged = try run(
                "tag-assets", ["--asset-id", retagged, "--force", "--filter", #"error("filter says no")"#],
                stdin: JSON.array(ids.map(JSON.string)).serialized())
            #expect(tagged.status == 5, "\(tagged.stderr)")
            #expect(try keyPairIds(tagged: retagged) == ids, "the tags were not set: \(tagged.stderr)")
        }
    }
}
