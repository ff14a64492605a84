import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Issue 22, point 6: what list-assets shows says where the asset is and how to reach it: the
    /// table has a Region column; `RemoveWith` names `--region` and the profile in use.
    @Suite struct RegionProfileTests {
        let tag = "rp\(getpid())"

        /// A profile `p` with the emulator's keys, and no keys in the environment.
        func profileEnvironment(_ dir: String) throws -> [String: String] {
            let s = Emulator.settings
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "[profile p]\nregion = \(s["AWS_REGION"] ?? "eu-west-1")\n".write(
                toFile: dir + "/config", atomically: true, encoding: .utf8)
            try
                "[p]\naws_access_key_id = \(s["AWS_ACCESS_KEY_ID"]!)\naws_secret_access_key = \(s["AWS_SECRET_ACCESS_KEY"]!)\n"
                .write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
            return Emulator.environment([
                "AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_SESSION_TOKEN": nil, "AWS_REGION": nil,
                "AWS_DEFAULT_REGION": nil,
            ])
        }

        @Test func theTableShowsTheRegionAndRemoveWithTheProfile() throws {
            let id = "\(tag)-1", dir = NSTemporaryDirectory() + "rp-\(tag)"
            let seeded = try Seed.run([
                "--asset-id", id, "--bucket", "rp-\(tag)", "--objects", "0", "--amis", "0", "--exports", "0",
                "--key-pairs", "1", "--stacks", "0",
            ])
            let pair = seeded["key-pair"]![0]
            let env = try profileEnvironment(dir)
            let table = try run(
                "list-assets", ["--asset-id", id, "--kinds", "key-pair", "--format", "table", "--profile", "p"],
                env: env)
            let rows = table.stdout.split(separator: "\n")
            #expect(table.status == 0 && rows.first?.contains("REGION") == true, "\(table.stdout) \(table.stderr)")
            #expect(rows.dropFirst().first?.contains("eu-west-1") == true, "\(table.stdout)")

            for (args, environment) in [(["--profile", "p"], env), ([], env.merging(["AWS_PROFILE": "p"]) { $1 })] {
                let listed = try run("list-assets", ["--asset-id", id, "--kinds", "key-pair"] + args, env: environment)
                #expect(
                    listed.json?.array?.first?["RemoveWith"]
                        == .string("aws ec2 delete-key-pair --region eu-west-1 --profile p --key-pair-id \(pair)"),
                    "\(listed.stdout) \(listed.stderr)")
            }
            // Without a profile: only the Region.
            let plain = try run("list-assets", ["--asset-id", id, "--kinds", "key-pair"])
            #expect(
                plain.json?.array?.first?["RemoveWith"]
                    == .string("aws ec2 delete-key-pair --region eu-west-1 --key-pair-id \(pair)"), "\(plain.stdout)")
            #expect(try run("purge-assets", ["--yes", "--asset-id", id], stdin: plain.stdout).status == 0)
        }
    }
}
