import AWSCore

/// What one `ami-export export` run is asked to do.
public struct ExportPlan {
    var baseImage: Image
    var name: String
    var formats: [DiskFormat]
    var bucket: String
    var prefix: String
    var roleName: String
    var tagKey: String
    var assetId: String
    var description: String?
    var sequential: Bool
    var cloudfrontDomain: String?
    var timeout: Double
    var renamer: S3Rename

    public init(baseImage: Image, name: String, formats: [DiskFormat], bucket: String, prefix: String,
                roleName: String, tagKey: String, assetId: String, description: String?, sequential: Bool,
                cloudfrontDomain: String?, timeout: Double, renamer: S3Rename) {
        self.baseImage = baseImage
        self.name = name
        self.formats = formats
        self.bucket = bucket
        self.prefix = prefix
        self.roleName = roleName
        self.tagKey = tagKey
        self.assetId = assetId
        self.description = description
        self.sequential = sequential
        self.cloudfrontDomain = cloudfrontDomain
        self.timeout = timeout
        self.renamer = renamer
    }
}
