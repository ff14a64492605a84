import AWSCore

/// An AMI as the tools see it: its id, name, state (with the reason when it failed), the
/// snapshots behind it, its tags, and whether its instances must use IMDSv2.
public struct Image {
    public var id: String
    public var name: String
    public var state: String
    public var stateReason: String?
    public var snapshotIds: [String]
    public var tags: [String: String]
    public var created: String?
    public var ownerId: String?
    /// Marketplace and billing product codes; VM Import/Export exports no image that has one.
    public var productCodes: [String]
    /// How its use is billed: `RunInstances` is Linux/UNIX without a billing product.
    public var usageOperation: String?
    /// "v2.0" when the AMI makes its instances require IMDSv2 (ModifyImageAttribute ImdsSupport).
    public var imdsSupport: String?

    /// From an item of EC2's `imagesSet`.
    init(ec2 item: JSON) {
        id = item["imageId"]?.string ?? ""
        name = item["name"]?.string ?? ""
        state = item["imageState"]?.string ?? ""
        stateReason = item["stateReason"].flatMap { r in
            [r["code"]?.string, r["message"]?.string].compactMap { $0 }.joined(separator: ": ")
        }
        snapshotIds = (item["blockDeviceMapping"]?.list ?? []).compactMap { $0["ebs"]?["snapshotId"]?.string }
        // A string in EC2's model, not a timestamp: written as the tools write timestamps.
        created = item["creationDate"]?.string.map { Timestamp.isoFormat($0) ?? $0 }
        ownerId = item["imageOwnerId"]?.string
        productCodes = (item["productCodes"]?.list ?? []).compactMap { $0["productCode"]?.string }
        usageOperation = item["usageOperation"]?.string
        tags = Tags.decode(item["tagSet"])
        imdsSupport = item["imdsSupport"]?.string
    }

    /// The keys of `json`, which `ami-export export` accepts on stdin.
    public static let jsonKeys: Set<String> = ["ImageId", "Name", "SnapshotIds", "State", "ImdsSupport"]

    /// The output of `ami-export image`, and what `export` accepts on stdin.
    public var json: JSON {
        [
            "ImageId": .string(id), "Name": .string(name), "SnapshotIds": .array(snapshotIds.map(JSON.string)),
            "State": .string(state), "ImdsSupport": imdsSupport.map(JSON.string) ?? .null,
        ]
    }
}
