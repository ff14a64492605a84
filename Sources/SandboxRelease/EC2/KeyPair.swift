import AWSCore

/// An EC2 key pair as EC2 lists it.
public struct KeyPair {
    public var id: String
    public var name: String
    public var created: String?
    public var tags: [String: String]

    /// From an item of EC2's `keySet`.
    init(ec2 item: JSON) {
        id = item["keyPairId"]?.string ?? ""
        name = item["keyName"]?.string ?? ""
        created = item["createTime"]?.string
        tags = Tags.decode(item["tagSet"])
    }
}
