import AWSCore

/// A bucket's settings that decide whether ExportImage can write into it and CloudFront serve it:
/// its Region, versioning, default encryption and object ownership.
public struct BucketSettings {
    let client: AWSClient
    let bucket: String

    public init(_ client: AWSClient, bucket: String) {
        self.client = client
        self.bucket = bucket
    }

    /// GetBucketLocation: us-east-1 answers an empty constraint.
    public func region() throws -> String {
        try client.s3JSON("GET", bucket: bucket, query: [("location", "")]).string.flatMap { $0.isEmpty ? nil : $0 }
            ?? "us-east-1"
    }

    /// GetBucketVersioning's Status (`Enabled`, `Suspended`), nil when never turned on.
    public func versioning() throws -> String? {
        try client.s3JSON("GET", bucket: bucket, query: [("versioning", "")])["Status"]?.string
    }

    /// The algorithm of each default-encryption rule (`AES256`, `aws:kms`, `aws:kms:dsse`).
    public func encryption() throws -> [String] {
        let rules = try client.s3JSON("GET", bucket: bucket, query: [("encryption", "")])["Rule"]
        return (rules?.list ?? []).compactMap {
            $0["ApplyServerSideEncryptionByDefault"]?["SSEAlgorithm"]?.string
        }
    }

    /// The bucket's ObjectOwnership (`BucketOwnerEnforced`, …), nil when it has no ownership controls.
    public func objectOwnership() throws -> String? {
        do {
            let rules = try client.s3JSON("GET", bucket: bucket, query: [("ownershipControls", "")])["Rule"]
            return rules?.list.first?["ObjectOwnership"]?.string
        } catch let ToolError.aws(e) where e.code == "OwnershipControlsNotFoundError" {
            return nil
        }
    }
}
