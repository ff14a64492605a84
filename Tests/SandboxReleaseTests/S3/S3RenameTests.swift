import Testing
@testable import AWSCore
@testable import SandboxRelease

struct S3RenameTests {
    @Test func partsCoverTheObjectExactlyOnce() {
        let mib: Int64 = 1 << 20
        let ranges = S3Rename.partRanges(size: 12 * mib + 7, partSize: 5 * mib)
        #expect(ranges == [0...(5 * mib - 1), (5 * mib)...(10 * mib - 1), (10 * mib)...(12 * mib + 6)])
        #expect(S3Rename.partRanges(size: 5 * mib, partSize: 5 * mib) == [0...(5 * mib - 1)])
        #expect(S3Rename.partRanges(size: 0, partSize: 5 * mib).isEmpty)
    }

    @Test func thePartSizeGrowsToStayWithinTenThousandParts() {
        let size: Int64 = 5 << 40  // 5 TiB, S3's largest object
        let ranges = S3Rename.partRanges(size: size, partSize: 5 << 20)
        #expect(ranges.count <= S3Rename.maxParts)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == size - 1)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 == $1.lowerBound })
    }

    @Test func multipartETagForm() {
        let hex = "d41d8cd98f00b204e9800998ecf8427e"
        #expect(S3Rename.isMultipartETag("\"\(hex)-3\"", parts: 3))
        #expect(S3Rename.isMultipartETag("\(hex)-12", parts: 12))
        #expect(!S3Rename.isMultipartETag("\"\(hex)-3\"", parts: 2))
        #expect(!S3Rename.isMultipartETag("\"\(hex)\"", parts: 1))
        #expect(!S3Rename.isMultipartETag("\"xyz-3\"", parts: 3))
    }
}
