import AWSCore

extension AWSClient {
    /// Every page of an EC2 Describe action over the account's own resources (`Owner=self`)
    /// that match the filters: how images and snapshots are listed.
    func describeOwned(_ action: String, filters: [(String, [String])], list: String) throws -> [JSON] {
        var p = QueryParams()
        p.list("Owner", ["self"])
        p.filters(filters)
        p.add("MaxResults", "1000")
        return try queryAll("ec2", action, p.pairs, list: list)
    }
}
