import AWSCore

/// The release's naming and tagging conventions, shared by every tool so that what one tool
/// creates the others find: the asset-id tag, the images prefix, key pair and permanent stack names.
public enum AssetConventions {
    public static let defaultTagKey = "asset-id"
    public static let defaultImagesPrefix = "images"
    /// Where ExportImage writes, outside what CloudFront serves, until the release moves what it verified.
    public static let defaultStagingPrefix = "staging"
    public static let keyPairPrefix = "sandbox-"
    public static let vmBucketStack = "DATA-SCIENCE-SANDBOX-VM-Bucket"
    public static let vmBucketWAFStack = "DATA-SCIENCE-SANDBOX-VM-Bucket-WAF"
    public static let ciCodeBuildStack = "DATA-SCIENCE-SANDBOX-CI-TEST-CODEBUILD"
    public static let releaseCodeBuildStack = "DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD"
    /// The release role lets EC2 create or change only what carries this tag (and an asset-id tag).
    public static let projectTag = (key: "project", value: "data-science-sandbox")

    /// The tags of everything a release creates in EC2: the asset-id and the project.
    public static func tags(tagKey: String, assetId: String) -> [(String, String)] {
        [(tagKey, assetId), (projectTag.key, projectTag.value)]
    }

    /// What an asset-id may be, as the refusals say it.
    public static let assetIdRule =
        "use letters, digits, '.', '_' and '-' (at most 64), starting with a letter or digit, e.g. 1.2.0"

    /// An asset-id is a release name: letters, digits, `.`, `_`, `-`; it starts with a letter or digit.
    public static func validate(assetId: String) throws -> String {
        let ok =
            !assetId.isEmpty && assetId.count <= 64
            && assetId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            && (assetId.first!.isLetter || assetId.first!.isNumber)
        guard ok else {
            throw ToolError.usage("invalid asset-id '\(assetId)': \(assetIdRule)")
        }
        return assetId
    }

    /// `sandbox-<asset-id>-<random>`: unique per run, so a retried release never collides.
    public static func keyPairName(assetId: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
        return "\(keyPairPrefix)\(assetId)-\(suffix)"
    }

    /// `sandbox-<asset-id>`: the security group of a release's build instance (one per asset-id).
    public static func securityGroupName(assetId: String) -> String { "\(keyPairPrefix)\(assetId)" }

    /// The download address of an image: the VM bucket's CloudFront distribution serves its keys.
    public static func imageURL(cloudfrontDomain: String, key: String) -> String {
        "https://\(cloudfrontDomain)/" + PercentEncoding.encode(key, keepSlash: true)
    }

    /// `images/<asset-id>/`: where the exports of an asset-id live in the VM bucket (and, with the
    /// staging prefix, `staging/<asset-id>/`: where they are written before).
    public static func imagesKeyPrefix(imagesPrefix: String, assetId: String) -> String {
        var p = imagesPrefix
        while p.hasSuffix("/") { p.removeLast() }
        return p.isEmpty ? "\(assetId)/" : "\(p)/\(assetId)/"
    }
}
