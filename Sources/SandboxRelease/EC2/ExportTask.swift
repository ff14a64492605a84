import AWSCore

/// An export-image task as EC2 reports it.
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
        statusMessage = item["statusMessage"]?.nonEmptyString
        bucket = item["s3ExportLocation"]?["s3Bucket"]?.string ?? ""
        prefix = item["s3ExportLocation"]?["s3Prefix"]?.string ?? ""
        tags = Tags.decode(item["tagSet"])
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
        // A failure's reason is said once, in the error the run ends with.
        if let statusMessage, !isFailed { line += " (\(statusMessage))" }
        return line
    }
}
