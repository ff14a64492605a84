import AWSCore

/// The disk formats ExportImage writes, by their file extension.
public enum DiskFormat: String, CaseIterable {
    case vmdk, vhd, raw

    /// The API's spelling (`DiskImageFormat`).
    public var apiName: String { rawValue.uppercased() }
}

/// An ExportImage task as DescribeExportImageTasks reports it.
public struct ExportTask {
    public var id: String
    public var imageId: String
    public var status: String
    public var progress: Int?
    public var statusMessage: String?
    public var bucket: String
    public var prefix: String
    public var tags: [String: String]

    init(ec2 item: JSON) {
        id = item["exportImageTaskId"]?.string ?? ""
        imageId = item["imageId"]?.string ?? ""
        status = item["status"]?.string ?? ""
        progress = item["progress"]?.string.flatMap { Int($0) }
        statusMessage = item["statusMessage"]?.string
        bucket = item["s3ExportLocation"]?["s3Bucket"]?.string ?? ""
        prefix = item["s3ExportLocation"]?["s3Prefix"]?.string ?? ""
        tags = EC2Tags.decode(item["tagSet"])
    }

    public var isActive: Bool { status == "active" }
    public var isCompleted: Bool { status == "completed" }
    /// `deleting`/`deleted`: the task failed or was cancelled; StatusMessage says which.
    public var isFailed: Bool { status == "deleting" || status == "deleted" }

    /// Where the export writes its file: `<prefix><task-id>.<fmt>`.
    public func objectKey(_ format: DiskFormat) -> String { "\(prefix)\(id).\(format.rawValue)" }

    /// The progress line: `vmdk 45% active (converting)`.
    public func progressLine(_ format: DiskFormat) -> String {
        var line = format.rawValue
        if let progress { line += " \(progress)%" }
        line += " \(status)"
        if let statusMessage, !statusMessage.isEmpty { line += " (\(statusMessage))" }
        return line
    }
}

/// ExportImage, DescribeExportImageTasks, CancelExportTask, and untagging a task.
public struct Exports {
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

        public init(imageId: String, format: DiskFormat, bucket: String, prefix: String, roleName: String,
                    description: String?, tags: [(String, String)], clientToken: String) {
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
        return ExportTask(ec2: try client.query("ec2", "ExportImage", p.pairs))
    }

    /// The tasks with these ids.
    public func describe(ids: [String]) throws -> [ExportTask] {
        guard !ids.isEmpty else { return [] }
        var p = QueryParams()
        p.list("ExportImageTaskId", ids)
        return try client.query("ec2", "DescribeExportImageTasks", p.pairs)["exportImageTaskSet"]?.list.map(ExportTask.init) ?? []
    }

    /// Every task tagged `key=value`, in all states, across pages.
    public func find(tagKey: String, value: String) throws -> [ExportTask] {
        var p = QueryParams()
        p.filters([("tag:\(tagKey)", [value])])
        p.add("MaxResults", "500")
        return try client.queryAll("ec2", "DescribeExportImageTasks", p.pairs, list: "exportImageTaskSet").map(ExportTask.init)
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

    /// Removes the tag `key` (whatever its value) from a task: a task's record cannot be deleted,
    /// so this is how it stops being found by its tag. Repeating it changes nothing.
    public func untag(id: String, key: String) throws {
        var p = QueryParams()
        p.list("ResourceId", [id])
        p.add("Tag.1.Key", key)
        _ = try client.query("ec2", "DeleteTags", p.pairs, idempotent: true)
    }
}
