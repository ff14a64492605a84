import AWSCore

/// IAM roles: read one, with its trust policy.
public struct Roles {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    public struct Role {
        public var name: String
        public var arn: String
        /// The trust policy, parsed (IAM answers it URL-encoded).
        public var trustPolicy: JSON

        /// Whether the trust policy lets `service` assume the role (an Allow of sts:AssumeRole to it).
        public func trusts(service: String) -> Bool {
            (trustPolicy["Statement"]?.list ?? []).contains { s in
                let services = (s["Principal"]?["Service"]?.list ?? []).compactMap(\.string)
                let actions = (s["Action"]?.list ?? []).compactMap(\.string)
                return s["Effect"]?.string == "Allow" && services.contains(service)
                    && actions.contains { ["sts:AssumeRole", "sts:*", "*"].contains($0) }
            }
        }
    }

    /// The role of that name; nil when IAM has none.
    public func get(name: String) throws -> Role? {
        do {
            let r = try client.query("iam", "GetRole", [("RoleName", name)])["GetRoleResult"]?["Role"]
            let document = r?["AssumeRolePolicyDocument"]?.string.map { PercentEncoding.decode($0) } ?? "{}"
            return Role(
                name: name, arn: r?["Arn"]?.string ?? "", trustPolicy: (try? JSON.parse(document)) ?? [:])
        } catch let ToolError.aws(e) where e.code == "NoSuchEntity" {
            return nil
        }
    }
}
