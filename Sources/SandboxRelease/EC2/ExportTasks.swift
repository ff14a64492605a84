import AWSCore

/// EC2's export-image tasks: ExportImage, DescribeExportImageTasks, CancelExportTask.
public struct ExportTasks {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    public struct Request {
        public var imageId: String
        public var format: DiskFormat
        public var bucket: String
        public var prefix: String
        public var roleName: String
        public var description: String?
        public var tags: [(String, String)]
        public var clientToken: String

        public init(
            imageId: String, format: DiskFormat, bucket: String, prefix: String, roleName: String,
            description: String?, tags: [(String, String)], clientToken: String
        ) {
            self.imageId = imageId
            self.format = format
            self.bucket = bucket
            self.prefix = prefix
            self.roleName = roleName
            self.description = description
            self.tags = tags
            self.clientToken = clientToken
        }
    }

    /// The client token of one export: the same image, format, place and attempt get the same
    /// task back, from a retried call or from a re-run.
    public static func token(imageId: String, format: DiskFormat, bucket: String, prefix: String, attempt: Int)
        -> String
    {
        ClientToken.derive(["ExportImage", imageId, format.rawValue, bucket, prefix, String(attempt)])
    }

    /// Starts one export. The client token makes a retried call hand back the same task.
    public func start(_ r: Request) throws -> ExportTask {
        var p = QueryParams()
        p.add("ImageId", r.imageId)
        p.add("DiskImageFormat", r.format.apiName)
        p.add("S3ExportLocation.S3Bucket", r.bucket)
        p.add("S3ExportLocation.S3Prefix", r.prefix)
        p.add("RoleName", r.roleName)
        p.add("Description", r.description)
        p.add("ClientToken", r.clientToken)
        p.tagSpecifications(["export-image-task"], tags: r.tags)
        return ExportTask(
            ec2: try Interrupt.lettingFinish(client.http) { try client.query("ec2", "ExportImage", p.pairs) })
    }

    /// The tasks with these ids.
    public func describe(ids: [String]) throws -> [ExportTask] {
        guard !ids.isEmpty else { return [] }
        var p = QueryParams()
        p.list("ExportImageTaskId", ids)
        return try client.query("ec2", "DescribeExportImageTasks", p.pairs)["exportImageTaskSet"]?.list.map(
            ExportTask.init) ?? []
    }

    /// Every task whose `tagKey` tag matches the pattern (an asset-id or a glob of one), in all
    /// states. DescribeExportImageTasks filters by `task-state` alone (the one filter its model
    /// documents), so every task of the Region is read, all pages, and matched on its returned tags.
    public func tagged(_ tagKey: String, matching pattern: AssetIdPattern) throws -> [ExportTask] {
        var p = QueryParams()
        p.add("MaxResults", "500")
        return try client.queryAll("ec2", "DescribeExportImageTasks", p.pairs, list: "exportImageTaskSet").map(
            ExportTask.init
        ).filter { $0.tags[tagKey].map(pattern.matches) ?? false }
    }

    /// How many tasks of the Region are active now (the one filter the API documents), all pages.
    public func activeCount() throws -> Int {
        var p = QueryParams()
        p.filters([("task-state", ["active"])])
        p.add("MaxResults", "500")
        return try client.queryAll("ec2", "DescribeExportImageTasks", p.pairs, list: "exportImageTaskSet").count
    }

    /// Cancels a task; one that has already ended (a retry after the first call went through)
    /// is left as it is. False when it had already ended.
    @discardableResult
    public func cancel(id: String) throws -> Bool {
        var p = QueryParams()
        p.add("ExportTaskId", id)
        do {
            _ = try client.query("ec2", "CancelExportTask", p.pairs, idempotent: true)
            return true
        } catch let ToolError.aws(e) where e.code == "IncorrectState" {
            return false
        }
    }
}
