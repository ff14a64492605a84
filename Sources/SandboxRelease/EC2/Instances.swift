import AWSCore

/// EC2 instances as a preflight sees them: the request CloudFormation sends to launch the build
/// instance (tried with DryRun), the instances running now and how many vCPUs a type has.
public struct Instances {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Whether RunInstances as the EC2 stack's instance makes it would be allowed: its image, type
    /// and subnet, and the tags the instance and its volume get (the launch template's, joined with
    /// the stack's). The launch template and key pair, which exist only during the release, are not
    /// in it.
    public func mayLaunch(imageId: String, instanceType: String, subnetId: String?, tags: [(String, String)]) throws
        -> DryRun
    {
        var p = QueryParams()
        p.add("ImageId", imageId)
        p.add("InstanceType", instanceType)
        p.add("MinCount", "1")
        p.add("MaxCount", "1")
        p.add("SubnetId", subnetId)
        p.tagSpecifications(["instance", "volume"], tags: tags)
        return try client.dryRun("RunInstances", p)
    }

    /// The types of the instances that are pending or running now, one entry per instance.
    public func runningTypes() throws -> [String] {
        var p = QueryParams()
        p.filters([("instance-state-name", ["pending", "running"])])
        p.add("MaxResults", "1000")
        return try client.queryAll("ec2", "DescribeInstances", p.pairs, list: "reservationSet").flatMap {
            ($0["instancesSet"]?.list ?? []).compactMap { $0["instanceType"]?.string }
        }
    }

    /// The default vCPU count of each type.
    public func vCPUs(of types: Set<String>) throws -> [String: Int] {
        guard !types.isEmpty else { return [:] }
        var p = QueryParams()
        p.list("InstanceType", types.sorted())
        var counts: [String: Int] = [:]
        for item in try client.queryAll("ec2", "DescribeInstanceTypes", p.pairs, list: "instanceTypeSet") {
            if let type = item["instanceType"]?.string,
                let n = item["vCpuInfo"]?["defaultVCpus"]?.number.map({ Int($0) })
            {
                counts[type] = n
            }
        }
        return counts
    }
}
