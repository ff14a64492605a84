import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    @Suite struct KeypairTests {
        let tag = "kp\(getpid())"
        let dir = NSTemporaryDirectory() + "keypair-tests-\(getpid())"

        init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

        func pairs(tagged value: String) throws -> [JSON] {
            var p = QueryParams()
            p.filters([("tag:asset-id", [value])])
            return try AWSClient(environment: Emulator.environment()).query("ec2", "DescribeKeyPairs", p.pairs)[
                "keySet"]?.list ?? []
        }

        @Test(arguments: ["ed25519", "rsa"])
        func createWritesTheKeyOnlyToItsFileAndDeleteIsRepeatable(type: String) throws {
            let id = "\(tag)-\(type)", file = dir + "/\(type).pem"
            let created = try run("keypair", ["create", "--asset-id", id, "--key-file", file, "--type", type])
            #expect(created.status == 0, "\(created.stderr)")
            let out = try #require(created.json)
            #expect(
                out["KeyFile"] == .string(file) && out["AssetId"] == .string(id)
                    && out["Fingerprint"]?.string?.isEmpty == false)
            #expect(out["KeyName"]?.string?.hasPrefix("sandbox-\(id)-") == true)
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let key = try String(contentsOfFile: file, encoding: .utf8)
            let body = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
            #expect(!body.isEmpty && body.allSatisfy { !created.stdout.contains($0) && !created.stderr.contains($0) })
            #expect(try pairs(tagged: id).map { $0["keyPairId"] } == [out["KeyPairId"]])
            // The release role creates nothing without the project tag.
            #expect(try pairs(tagged: id).map { Tags.decode($0["tagSet"])["project"] } == ["data-science-sandbox"])

            let ssh = Process()
            ssh.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            ssh.arguments = ["ssh-keygen", "-y", "-f", file]
            ssh.standardOutput = Pipe()
            ssh.standardError = Pipe()
            try ssh.run()
            ssh.waitUntilExit()
            #expect(ssh.terminationStatus == 0, "ssh-keygen -y refused the key file")

            let first = try run("keypair", ["delete"], stdin: created.stdout)
            #expect(first.status == 0 && first.json?["KeyPair"] == "deleted" && first.json?["File"] == "removed")
            #expect(try !FileManager.default.fileExists(atPath: file) && pairs(tagged: id).isEmpty)
            let second = try run("keypair", ["delete"], stdin: created.stdout)
            #expect(
                second.status == 0 && second.json?["KeyPair"] == "already gone"
                    && second.stderr.contains("already gone"))
            let byName = try run("keypair", ["delete", "--name", out["KeyName"]!.string!, "--asset-id", id])
            #expect(byName.status == 0 && byName.json?["File"] == .null)
        }

        /// The pair is made before the file can be written: a file that cannot be written takes
        /// the pair away again.
        @Test func aKeyFileThatCannotBeWrittenLeavesNoPair() throws {
            let id = "\(tag)-nofile"
            let file = dir + "/" + String(repeating: "k", count: 300)  // longer than a file name may be
            let r = try run("keypair", ["create", "--asset-id", id, "--key-file", file])
            #expect(r.status != 0 && r.stdout.isEmpty && r.stderr.contains("cannot write"))
            #expect(try pairs(tagged: id).isEmpty)
        }

        @Test func badInputExits2WithOneLineAndNoRequest() throws {
            let existing = dir + "/existing.pem"
            FileManager.default.createFile(atPath: existing, contents: Data("x".utf8))
            let before = try Emulator.requestCount()
            for (args, stdin) in [
                (["create", "--asset-id", "x", "--key-file", existing], ""),
                (["create", "--asset-id", "bad id", "--key-file", dir + "/a.pem"], ""),
                (["create", "--asset-id", "x", "--key-file", "/nonexistent-dir/a.pem"], ""),
                (["create", "--asset-id", "x", "--key-file", dir + "/a.pem", "--type", "dsa"], ""),
                (["delete"], "{bad"), (["delete"], "[]"), (["delete"], "{\"KeyFile\": \"/tmp/x\"}"),
                (["delete"], "{\"KeyName\": \"k\", \"Extra\": 1}"),
                (["delete"], "{\"KeyName\": \"k\", \"KeyFile\": \"\(existing)\"}"),
            ] {
                let r = try run("keypair", args, stdin: stdin)
                #expect(
                    r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                    "\(args) \(stdin): \(r.stderr)")
            }
            #expect(try Emulator.requestCount() == before)
            #expect(FileManager.default.fileExists(atPath: existing))  // not a key: never removed
        }
    }
}
