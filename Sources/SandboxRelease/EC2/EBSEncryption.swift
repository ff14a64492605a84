import AWSCore

/// The account's EBS encryption by default, per Region: when on, every new volume and snapshot is
/// encrypted, and VM Import/Export exports no image with an encrypted snapshot.
public struct EBSEncryption {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    public func isOnByDefault() throws -> Bool {
        try client.query("ec2", "GetEbsEncryptionByDefault")["ebsEncryptionByDefault"]?.bool == true
    }
}
