import Testing
@testable import AWSCore
@testable import SandboxRelease
@testable import ToolSupport

struct CopyOptionsTests {
    @Test func copyFlagsAreCheckedBeforeAnyRequest() throws {
        let small = try CopyOptions.parse(["--copy-threshold", "5MiB", "--part-size", "5MiB"]).renamer
        #expect(small.threshold == 5 << 20 && small.partSize == 5 << 20 && small.parallelism == 8)
        let defaults = try CopyOptions.parse([]).renamer
        #expect(defaults.threshold == S3Rename.maxSinglePartCopy && defaults.partSize == 512 << 20)
        for bad in [
            ["--copy-threshold", "6GiB"], ["--part-size", "1MiB"], ["--part-size", "6GiB"],
            ["--copy-parallelism", "0"],
            ["--copy-threshold", "lots"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { _ = try CopyOptions.parse(bad) }
        }
    }
}
