import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// A signal while a create call is in flight: the call is let finish, so what it made is
    /// cleaned up rather than lost.
    @Suite struct InFlightCreateTests {
        @Test func sigintDuringExportImageCancelsTheTaskItMade() throws {
            let exports = try AmiExportTests()
            try Emulator.configure(["exportSeconds": 60, "delay": ["action": "ExportImage", "seconds": 4]])
            defer {
                var defaults = AmiExportTests.defaults
                defaults.set("delay", .null)
                try? Emulator.configure(defaults)
            }
            let bucket = try exports.makeBucket()
            let assetId = "inflight-\(exports.unique)"
            let image = try exports.makeImage(assetId)
            let (p, err) = try exports.started([
                "export", "--image-id", image["ImageId"]!.string!, "--format", "vmdk",
                "--bucket", bucket, "--asset-id", assetId,
            ])
            // The task exists once the emulator made it; its answer is still held back then.
            let deadline = Date().addingTimeInterval(30)
            while try exports.tasks(assetId).isEmpty, Date() < deadline { usleep(50_000) }
            p.interrupt()
            p.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 130, "\(stderr)")
            let all = try exports.tasks(assetId)
            #expect(
                all.count == 1
                    && all.allSatisfy { $0.status == "deleted" && $0.statusMessage?.contains("cancelled") == true },
                "\(all.map(\.status)) \(stderr)")
        }
    }
}
