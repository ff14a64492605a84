import Testing
@testable import AWSCore
@testable import ToolSupport

struct ByteSizeTests {
    @Test func byteSizes() throws {
        #expect(try ByteSize.parse("5242880", flag: "--x") == 5 << 20)
        #expect(try ByteSize.parse("5MiB", flag: "--x") == 5 << 20)
        #expect(try ByteSize.parse("5m", flag: "--x") == 5 << 20)
        #expect(try ByteSize.parse("5GB", flag: "--x") == 5 << 30)
        #expect(try ByteSize.parse("1K", flag: "--x") == 1024)
        for bad in ["", "MiB", "5 MiB", "5X", "-1", "1.5G", "99999999999T"] {
            #expect(throws: ToolError.self, "\(bad)") { try ByteSize.parse(bad, flag: "--x") }
        }
    }
}
