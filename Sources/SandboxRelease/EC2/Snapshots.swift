import AWSCore

/// The account's EBS snapshots: listed by filter and deleted.
public struct Snapshots {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// The account's own snapshots that match the EC2 filters, across pages.
    public func list(filters: [(String, [String])]) throws -> [Snapshot] {
        try client.describeOwned("DescribeSnapshots", filters: filters, list: "snapshotSet").map(Snapshot.init)
    }

    /// DeleteSnapshot; false when the snapshot was already gone, so a repeated removal succeeds.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        do {
            _ = try client.query("ec2", "DeleteSnapshot", [("SnapshotId", id)], idempotent: true)
            return true
        } catch let ToolError.aws(e) where e.code == "InvalidSnapshot.NotFound" {
            return false
        }
    }
}
