import AWSCore

/// What one `ami-export export` run is asked to do.
public struct ExportPlan {
    /// The AMI to export; it must be available.
    var imageId: String
    /// Base name of the files; nil: the AMI's name.
    var name: String?
    var formats: [DiskFormat]
    var bucket: String
    /// Where ExportImage writes the files (the staging prefix, which CloudFront does not serve).
    var prefix: String
    /// Where the release moves each file once it verified it: `<publishPrefix><name>.<fmt>`.
    var publishPrefix: String
    var roleName: String
    var tagKey: String
    var assetId: String
    var description: String?
    var sequential: Bool
    var cdnDomain: String?
    var timeout: Double

    public init(
        imageId: String, name: String?, formats: [DiskFormat], bucket: String, prefix: String, publishPrefix: String,
        roleName: String, tagKey: String, assetId: String, description: String?, sequential: Bool,
        cdnDomain: String?, timeout: Double
    ) {
        self.imageId = imageId
        self.name = name
        self.formats = formats
        self.bucket = bucket
        self.prefix = prefix
        self.publishPrefix = publishPrefix
        self.roleName = roleName
        self.tagKey = tagKey
        self.assetId = assetId
        self.description = description
        self.sequential = sequential
        self.cdnDomain = cdnDomain
        self.timeout = timeout
    }
}
