import AWSCore

/// An EC2 security group as EC2 describes it.
public struct SecurityGroup {
    public var id: String
    public var name: String
    public var vpcId: String?
    public var tags: [String: String]

    /// From an item of EC2's `securityGroupInfo`.
    init(ec2 item: JSON) {
        id = item["groupId"]?.string ?? ""
        name = item["groupName"]?.string ?? ""
        vpcId = item["vpcId"]?.string
        tags = Tags.decode(item["tagSet"])
    }
}
