import AWSCore

/// IAM SimulatePrincipalPolicy: what a user's or role's identity policies decide for actions on
/// resources, with the condition keys given. How a preflight checks calls on resources that only
/// exist during a release (a tagged instance, the release's AMI) or that another identity makes.
public struct PolicySimulator {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    public struct Denial: Equatable {
        public var action: String
        public var resource: String
        /// `implicitDeny` or `explicitDeny`.
        public var decision: String
    }

    /// The (action, resource) pairs the principal's policies do not allow; empty when all are allowed.
    public func denials(principal: String, actions: [String], resources: [String], context: [(String, [String])])
        throws -> [Denial]
    {
        var p = QueryParams()
        p.add("PolicySourceArn", principal)
        p.list("ActionNames", actions, member: true)
        p.list("ResourceArns", resources, member: true)
        for (i, entry) in context.enumerated() {
            p.add("ContextEntries.member.\(i + 1).ContextKeyName", entry.0)
            p.add("ContextEntries.member.\(i + 1).ContextKeyType", "stringList")
            p.list("ContextEntries.member.\(i + 1).ContextKeyValues", entry.1, member: true)
        }
        // A few actions on a few resources: far below one page (MaxItems up to 1000).
        p.add("MaxItems", "1000")
        let results =
            try client.query("iam", "SimulatePrincipalPolicy", p.pairs)["SimulatePrincipalPolicyResult"]?[
                "EvaluationResults"]?.list ?? []
        return results.compactMap { r in
            let decision = r["EvalDecision"]?.string ?? ""
            guard decision != "allowed" else { return nil }
            return Denial(
                action: r["EvalActionName"]?.string ?? "", resource: r["EvalResourceName"]?.string ?? "",
                decision: decision)
        }
    }
}
