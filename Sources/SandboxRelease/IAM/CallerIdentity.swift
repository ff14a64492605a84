import AWSCore

/// Who the credentials belong to (STS GetCallerIdentity, which IAM never refuses).
public struct CallerIdentity {
    public var account: String
    public var arn: String

    public static func get(_ client: AWSClient) throws -> CallerIdentity {
        let r = try client.query("sts", "GetCallerIdentity")["GetCallerIdentityResult"]
        return CallerIdentity(account: r?["Account"]?.string ?? "", arn: r?["Arn"]?.string ?? "")
    }

    /// The partition of the ARNs of this account (`aws`, `aws-cn`, …).
    public var partition: String {
        arn.split(separator: ":", omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? "aws"
    }

    /// The IAM principal whose identity policies decide: a user as it is; for a role's session,
    /// the role (at path `/`, where CloudFormation makes roles). nil for any other caller.
    public var principalArn: String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        let resource = parts[5]
        if parts[2] == "iam", resource.hasPrefix("user/") { return arn }
        if parts[2] == "sts", resource.hasPrefix("assumed-role/") {
            let role = resource.split(separator: "/")[1]
            return "arn:\(parts[1]):iam::\(parts[4]):role/\(role)"
        }
        return nil
    }
}
