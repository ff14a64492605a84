import Testing
@testable import AWSCore
@testable import ToolSupport

struct ByteSizeTests {
    @Test func bytesOrNumbersWithBinaryUnits() throws {
        #expect(ByteSize(argument: "5242880")?.bytes == 5 << 20)
        #expect(ByteSize(argument: "5MiB")?.bytes == 5 << 20)
        #expect(ByteSize(argument: "5m")?.bytes == 5 << 20)
        #expect(ByteSize(argument: "5GB")?.bytes == 5 << 30)
        #expect(ByteSize(argument: "1K")?.bytes == 1024)
        for bad in ["", "MiB", "5 MiB", "5X", "-1", "1.5G", "99999999999T"] {
            #expect(ByteSize(argument: bad) == nil, "\(bad)")
        }
    }
}
