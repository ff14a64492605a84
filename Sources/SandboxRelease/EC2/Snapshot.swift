import AWSCore

/// An EBS snapshot as EC2 lists it.
public struct Snapshot {
    public var id: String
    public var description: String?
    public var status: String?
    public var startTime: String?
    /// The size of the volume it was taken of, in bytes.
    public var volumeSize: Int64?
    public var tags: [String: String]

    /// From an item of EC2's `snapshotSet`.
    init(ec2 item: JSON) {
        id = item["snapshotId"]?.string ?? ""
        description = item["description"]?.string
        status = item["status"]?.string
        startTime = item["startTime"]?.string
        volumeSize = item["volumeSize"]?.number.map { Int64($0) << 30 }
        tags = Tags.decode(item["tagSet"])
    }
}
