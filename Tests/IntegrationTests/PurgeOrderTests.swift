import Foundation
import Testing
@testable import AWSCore

/// purge-assets --yes removes in dependency order, as the emulator's request log shows: export
/// tasks first, then AMIs, snapshots, S3 objects, key pairs last (each kind before what it uses).
extension Integration {
    @Suite struct PurgeOrderTests {
        @Test func theRequestsGoOutInDependencyOrder() throws {
            let id = "order\(getpid())-\(UInt32.random(in: 0..<1_000_000))", bucket = "order-\(getpid())"
            _ = try Seed.run([
                "--asset-id", id, "--bucket", bucket, "--objects", "2", "--amis", "1", "--exports", "1",
                "--key-pairs", "1", "--stacks", "0",
            ])
            let listed = try run("list-assets", ["--asset-id", id, "--bucket", bucket])
            defer { _ = try? run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout) }
            let before = try Emulator.actions().count
            let r = try run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout)
            #expect(r.status == 0, "\(r.stderr)")
            let order = [
                "ec2:CancelExportTask", "ec2:DeregisterImage", "ec2:DeleteSnapshot", "s3:DeleteObjects",
                "ec2:DeleteKeyPair",
            ]
            let sent = try Emulator.actions().dropFirst(before).filter(order.contains)
            let firsts = order.map { action in sent.firstIndex(of: action) ?? -1 }
            let lasts = order.map { action in sent.lastIndex(of: action) ?? -1 }
            #expect(!firsts.contains(-1), "not every kind was removed: \(sent)")
            #expect(zip(lasts, firsts.dropFirst()).allSatisfy { $0 < $1 }, "out of dependency order: \(sent)")
        }
    }
}
