import Testing
@testable import AWSCore
@testable import SandboxRelease

struct AmiExportLogicTests {
    @Test func partsCoverTheObjectExactlyOnce() {
        let mib: Int64 = 1 << 20
        let ranges = S3Rename.partRanges(size: 12 * mib + 7, partSize: 5 * mib)
        #expect(ranges == [0...(5 * mib - 1), (5 * mib)...(10 * mib - 1), (10 * mib)...(12 * mib + 6)])
        #expect(S3Rename.partRanges(size: 5 * mib, partSize: 5 * mib) == [0...(5 * mib - 1)])
        #expect(S3Rename.partRanges(size: 0, partSize: 5 * mib).isEmpty)
    }

    @Test func thePartSizeGrowsToStayWithinTenThousandParts() {
        let size: Int64 = 5 << 40 // 5 TiB, S3's largest object
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

    @Test func clientTokensAreStableAndFitEC2() {
        let a = ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "0"])
        #expect(a == ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "0"]))
        #expect(a != ClientToken.derive(["ExportImage", "ami-1", "vmdk", "bucket", "images/1/", "1"]))
        #expect(ClientToken.derive(["ab", "c"]) != ClientToken.derive(["a", "bc"]))
        #expect(a.count == 64 && a.allSatisfy(\.isHexDigit))
        #expect(ClientToken.random() != ClientToken.random())
    }

    @Test func exportTasksFromDescribeAndTheirProgressLines() throws {
        let xml = """
        <DescribeExportImageTasksResponse><exportImageTaskSet><item>
        <exportImageTaskId>export-ami-1234567890abcdef0</exportImageTaskId><imageId>ami-1</imageId>
        <progress>45</progress><s3ExportLocation><s3Bucket>b</s3Bucket><s3Prefix>images/1/</s3Prefix></s3ExportLocation>
        <status>active</status><statusMessage>converting</statusMessage>
        <tagSet><item><key>asset-id</key><value>1.0</value></item></tagSet>
        </item></exportImageTaskSet></DescribeExportImageTasksResponse>
        """
        let item = try #require(XMLToJSON.convert(Array(xml.utf8))["exportImageTaskSet"]?.list.first)
        let task = ExportTask(ec2: item)
        #expect(task.progressLine(.vmdk) == "vmdk 45% active (converting)")
        #expect(task.objectKey(.vmdk) == "images/1/export-ami-1234567890abcdef0.vmdk")
        #expect(task.tags == ["asset-id": "1.0"])
        #expect(task.isActive && !task.isCompleted && !task.isFailed)
        var done = task
        done.status = "completed"
        done.progress = nil
        done.statusMessage = nil
        #expect(done.progressLine(.raw) == "raw completed")
    }

    @Test func amiNames() {
        #expect(throws: Never.self) { try Images.validate(name: "sandbox 1.2 (2024) [x]/y-z_'@", flag: "--name") }
        for bad in ["ab", String(repeating: "a", count: 129), "naïve", "a*b"] {
            #expect(throws: ToolError.self) { try Images.validate(name: bad, flag: "--name") }
        }
    }
}
