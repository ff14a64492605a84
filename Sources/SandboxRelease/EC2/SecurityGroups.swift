import AWSCore

/// EC2 security groups: made tagged at creation, given ingress rules, found and deleted.
public struct SecurityGroups {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// One ingress rule: TCP `port` from an IPv4 CIDR or from the members of another group.
    public struct Ingress: Equatable, Sendable {
        public enum Source: Equatable, Sendable {
            case cidr(String)
            case group(String)
        }

        public var port: Int
        public var source: Source

        public init(port: Int, source: Source) {
            self.port = port
            self.source = source
        }
    }

    /// CreateSecurityGroup with its tags in the call (`TagSpecification`), so that a policy that
    /// allows only tagged groups allows it; the group's id. In the default VPC when `vpcId` is nil.
    /// A name is unique in its VPC, so a call repeated after a lost answer cannot make a second
    /// group: it answers InvalidGroup.Duplicate, and the caller finds the group the first call made.
    public func create(name: String, description: String, vpcId: String?, tags: [(String, String)]) throws -> String {
        let p = SecurityGroups.createRequest(name: name, description: description, vpcId: vpcId, tags: tags)
        let answer = try Interrupt.lettingFinish(client.http) {
            try client.query("ec2", "CreateSecurityGroup", p.pairs, idempotent: true)
        }
        guard let id = answer["groupId"]?.string else { throw ToolError.remote("CreateSecurityGroup gave no groupId") }
        return id
    }

    /// CreateSecurityGroup's parameters; without tags as CloudFormation sends it.
    static func createRequest(name: String, description: String, vpcId: String?, tags: [(String, String)])
        -> QueryParams
    {
        var p = QueryParams()
        p.add("GroupName", name)
        p.add("GroupDescription", description)
        p.add("VpcId", vpcId)
        if !tags.isEmpty { p.tagSpecifications(["security-group"], tags: tags) }
        return p
    }

    /// Whether `create` with these tags (none: as CloudFormation creates a group) would be allowed.
    public func mayCreate(name: String, description: String, vpcId: String?, tags: [(String, String)]) throws
        -> DryRun
    {
        try client.dryRun(
            "CreateSecurityGroup",
            SecurityGroups.createRequest(name: name, description: description, vpcId: vpcId, tags: tags))
    }

    /// AuthorizeSecurityGroupIngress, one call per rule; a rule the group already has is no error,
    /// so a repeat changes nothing.
    public func authorize(groupId: String, _ rules: [Ingress]) throws {
        for rule in rules {
            var p = QueryParams()
            p.add("GroupId", groupId)
            p.add("IpPermissions.1.IpProtocol", "tcp")
            p.add("IpPermissions.1.FromPort", String(rule.port))
            p.add("IpPermissions.1.ToPort", String(rule.port))
            switch rule.source {
            case let .cidr(cidr): p.add("IpPermissions.1.IpRanges.1.CidrIp", cidr)
            case let .group(id): p.add("IpPermissions.1.Groups.1.GroupId", id)
            }
            do {
                _ = try client.query("ec2", "AuthorizeSecurityGroupIngress", p.pairs, idempotent: true)
            } catch let ToolError.aws(e) where e.code == "InvalidPermission.Duplicate" {}
        }
    }

    /// The groups that match the EC2 filters, across pages.
    public func list(filters: [(String, [String])]) throws -> [SecurityGroup] {
        var p = QueryParams()
        p.filters(filters)
        p.add("MaxResults", "1000")
        return try client.queryAll("ec2", "DescribeSecurityGroups", p.pairs, list: "securityGroupInfo").map(
            SecurityGroup.init)
    }

    /// The groups of that name (one per VPC at most), in `vpcId` when given.
    public func find(name: String, vpcId: String?) throws -> [SecurityGroup] {
        try list(filters: [("group-name", [name])] + (vpcId.map { [("vpc-id", [$0])] } ?? []))
    }

    /// DeleteSecurityGroup; false when the group was already gone. While a terminated instance's
    /// network interface still holds the group (for a while after the termination), AWS answers
    /// DependencyViolation: the call is repeated until `timeout` seconds have passed.
    @discardableResult
    public func delete(id: String, timeout: Double = 300) throws -> Bool {
        let waiter = Waiter("security group \(id)", timeout: timeout, firstDelay: 5, maxDelay: 20)
        return try waiter.wait { () -> Waiter.Poll<Bool> in
            do {
                _ = try client.query("ec2", "DeleteSecurityGroup", [("GroupId", id)], idempotent: true)
                return .done(true)
            } catch let ToolError.aws(e) where e.code == "InvalidGroup.NotFound" {
                return .done(false)
            } catch let ToolError.aws(e) where e.code == "DependencyViolation" {
                return .pending("still in use (DependencyViolation)")
            }
        }
    }
}
