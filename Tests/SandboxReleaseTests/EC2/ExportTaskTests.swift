import Testing
@testable import AWSCore
@testable import SandboxRelease

struct ExportTaskTests {
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
}
