import AWSCore

/// `security-group create` and `security-group delete`: the group a release's instance is reached
/// through. The tools make it rather than the EC2 stack because CloudFormation creates a group
/// without tags and tags it last (stacks/README.md): made here, it carries the release's tags from
/// its first call, as the release role requires of everything it creates.
public enum ReleaseSecurityGroup {
    /// Group names: at most 255 ASCII characters, not starting with `sg-` (EC2's rule).
    public static func validate(name: String) throws {
        guard !name.isEmpty, name.count <= 255, name.allSatisfy({ $0.isASCII && !$0.isNewline }),
            !name.lowercased().hasPrefix("sg-")
        else {
            throw ToolError.usage("invalid --name '\(name)': at most 255 ASCII characters, not starting with sg-")
        }
    }

    /// Every port from every source, checked before any request: ports 1–65535, IPv4 CIDRs
    /// (`203.0.113.7/32`), group ids (`sg-` and 8 to 17 hex digits); at least one port and one source.
    public static func rules(ports: [Int], cidrs: [String], groups: [String]) throws -> [SecurityGroups.Ingress] {
        guard !ports.isEmpty, !(cidrs.isEmpty && groups.isEmpty) else {
            throw ToolError.usage("give at least one --port and one --cidr or --source-group")
        }
        if let bad = ports.first(where: { !(1...65535).contains($0) }) {
            throw ToolError.usage("invalid --port \(bad): a TCP port is 1 to 65535")
        }
        if let bad = cidrs.first(where: { !isIPv4CIDR($0) }) {
            throw ToolError.usage("invalid --cidr '\(bad)': expected an IPv4 CIDR such as 203.0.113.7/32")
        }
        if let bad = groups.first(where: { !isGroupId($0) }) {
            throw ToolError.usage(
                "invalid --source-group '\(bad)': expected a security group id such as sg-0123456789abcdef0")
        }
        let sources = cidrs.map(SecurityGroups.Ingress.Source.cidr) + groups.map(SecurityGroups.Ingress.Source.group)
        return ports.flatMap { port in sources.map { SecurityGroups.Ingress(port: port, source: $0) } }
    }

    static func isIPv4CIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits), parts[1].allSatisfy(\.isNumber)
        else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    static func isGroupId(_ s: String) -> Bool {
        s.hasPrefix("sg-") && (8...17).contains(s.count - 3)
            && s.dropFirst(3).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Makes the group tagged with the asset-id and the project, then its ingress rules. A group of
    /// that name already there (a re-run, or a lost answer) is reused when it carries this asset-id,
    /// and refused otherwise. `{"GroupId","GroupName","VpcId","AssetId"}`.
    public static func create(
        _ client: AWSClient, name: String, vpcId: String?, rules: [SecurityGroups.Ingress], tagKey: String,
        assetId: String
    ) throws -> JSON {
        let groups = SecurityGroups(client)
        var id: String
        do {
            id = try groups.create(
                name: name, description: "data science sandbox release \(assetId)", vpcId: vpcId,
                tags: AssetConventions.tags(tagKey: tagKey, assetId: assetId))
        } catch let ToolError.aws(e) where e.code == "InvalidGroup.Duplicate" {
            let found = try groups.find(name: name, vpcId: vpcId)
            let owner = ReleaseOwnership(tagKey: tagKey, assetId: assetId)
            guard found.count == 1, let group = found.first,
                owner.refusal("", tags: group.tags, forceDoes: "") == nil
            else {
                throw ToolError.remote(
                    "security group '\(name)' exists and is not the one of \(tagKey) \(assetId); delete it or choose another --name"
                )
            }
            log("security-group: \(group.id) (\(name)) is already there, reused")
            id = group.id
        }
        try groups.authorize(groupId: id, rules)
        let vpc = try groups.list(filters: [("group-id", [id])]).first?.vpcId
        return ["GroupId": .string(id), "GroupName": .string(name), "VpcId": JSON(vpc), "AssetId": .string(assetId)]
    }

    /// Deletes the group of that id, or of that name (in `vpcId` when given); with `owner`, only
    /// a group of that release (nil: `--force`). What is already gone is a success.
    /// `{"GroupId","GroupName","SecurityGroup":"deleted"|"already gone"}`.
    public static func delete(
        _ client: AWSClient, id: String?, name: String?, vpcId: String?, owner: ReleaseOwnership?, timeout: Double
    ) throws -> JSON {
        let groups = SecurityGroups(client)
        let found =
            try id.map { try groups.list(filters: [("group-id", [$0])]) } ?? groups.find(name: name ?? "", vpcId: vpcId)
        guard found.count <= 1 else {
            throw ToolError.usage(
                "\(found.count) security groups are named '\(name ?? "")': give --vpc-id or --group-id")
        }
        guard let group = found.first else {
            log("security-group: \(id ?? name ?? "") was already gone")
            return ["GroupId": JSON(id), "GroupName": JSON(name), "SecurityGroup": "already gone"]
        }
        if let refusal = owner?.refusal(
            "security group \(group.id) (\(group.name))", tags: group.tags, forceDoes: "deletes it")
        {
            throw ToolError.usage(refusal)
        }
        let deleted = try groups.delete(id: group.id, timeout: timeout)
        return [
            "GroupId": .string(group.id), "GroupName": .string(group.name),
            "SecurityGroup": deleted ? "deleted" : "already gone",
        ]
    }
}
