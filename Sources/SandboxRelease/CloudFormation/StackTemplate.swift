import AWSCore

/// A CloudFormation template read from a file, and how it reaches CloudFormation: inline as
/// `TemplateBody` within the API's size limit, or uploaded to S3 and named by `TemplateURL`.
public struct StackTemplate {
    /// CloudFormation's limit for an inline `TemplateBody`.
    public static let inlineLimit = 51_200
    /// CloudFormation's limit for a template in S3.
    public static let urlLimit = 1_048_576

    public let path: String
    public let body: String
    public let sha256: String
    /// Where CloudFormation reads it: `TemplateBody` or `TemplateURL`.
    public private(set) var source: (String, String)

    /// Reads the file and decides, before any request, whether it can go inline.
    public init(path: String, uploadBucket: String?) throws {
        guard let bytes = readFile(path) else {
            throw ToolError.usage("cannot read template \(path): \(errnoMessage())")
        }
        guard !bytes.isEmpty else { throw ToolError.usage("template \(path) is empty") }
        let limit = uploadBucket == nil ? StackTemplate.inlineLimit : StackTemplate.urlLimit
        guard bytes.count <= limit else {
            let hint =
                uploadBucket == nil
                ? "CloudFormation's limit for an inline template; pass --template-bucket BUCKET to upload it to S3 first (limit \(StackTemplate.urlLimit) bytes)"
                : "CloudFormation's limit for a template in S3; split it into nested stacks"
            throw ToolError.usage("template \(path) is \(bytes.count) bytes, over \(limit) bytes, \(hint)")
        }
        self.path = path
        body = String(decoding: bytes, as: UTF8.self)
        sha256 = Digest.hex(Digest.sha256(bytes))
        source = ("TemplateBody", body)
    }

    /// The resource types the template declares (GetTemplateSummary), as CloudFormation reads them.
    public func resourceTypes(_ client: AWSClient) throws -> [String] {
        let r = try client.query("cloudformation", "GetTemplateSummary", [source])["GetTemplateSummaryResult"]
        return r?["ResourceTypes"]?.list.compactMap(\.string) ?? []
    }

    /// Puts the template at `s3://BUCKET/cfn-templates/<sha256>.yaml` (content-addressed, so a
    /// retry or a redeploy of the same template writes the same object) and points at it.
    public mutating func upload(to bucket: String, client: AWSClient) throws {
        let key = "cfn-templates/\(sha256).yaml"
        try S3Objects(client).put(bucket: bucket, key: key, body: Array(body.utf8))
        source = ("TemplateURL", client.endpoint("s3").s3URL(bucket: bucket, key: key))
    }
}
