import AWSCore

/// A stack's summary: CloudFormation still lists stacks deleted in the last 90 days, so one paginated
/// call tells the state of every stack of a purge.
public struct StackSummary {
    public var id: String
    public var name: String
    public var status: String
    public var reason: String?

    init(_ s: JSON) {
        id = s["StackId"]?.string ?? ""
        name = s["StackName"]?.string ?? ""
        status = s["StackStatus"]?.string ?? ""
        reason = s["StackStatusReason"]?.nonEmptyString
    }

    /// By stack id; a stack given by name matches the live stack of that name.
    public static func find(_ idOrName: String, in summaries: [StackSummary]) -> StackSummary? {
        summaries.first { $0.id == idOrName }
            ?? summaries.first { $0.name == idOrName && $0.status != "DELETE_COMPLETE" }
    }

    /// The name inside a stack id (`arn:…:stack/NAME/uuid`), or the id when it is a name.
    public static func name(of idOrName: String) -> String {
        let parts = idOrName.split(separator: "/")
        return idOrName.hasPrefix("arn:") && parts.count >= 2 ? String(parts[1]) : idOrName
    }
}
