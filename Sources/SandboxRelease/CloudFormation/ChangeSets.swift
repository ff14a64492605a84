import AWSCore

/// The change set calls of one deploy: create, wait until computed, execute, delete.
public struct ChangeSets {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Creates the change set; returns its id (ARN).
    public func create(_ changeSet: ChangeSet) throws -> String {
        let r = try client.query("cloudformation", "CreateChangeSet", changeSet.params)
        guard let id = r["CreateChangeSetResult"]?["Id"]?.string else {
            throw ToolError.remote("CreateChangeSet for stack \(changeSet.stackName) answered no change set id")
        }
        return id
    }

    /// Waits until CloudFormation has computed the change set.
    public func wait(_ id: String, stackName: String, timeout: Double) throws -> ChangeSet.Outcome {
        try Waiter("change set for \(stackName)", timeout: timeout).wait { () -> Waiter.Poll<ChangeSet.Outcome> in
            let r = try client.query("cloudformation", "DescribeChangeSet", [("ChangeSetName", id)])[
                "DescribeChangeSetResult"]
            let status = r?["Status"]?.string ?? ""
            let reason = r?["StatusReason"]?.string ?? ""
            switch status {
            case "CREATE_COMPLETE":
                let execution = r?["ExecutionStatus"]?.string ?? ""
                return .done(
                    execution == "AVAILABLE" ? .ready : .failed("it cannot be executed (ExecutionStatus \(execution))"))
            case "FAILED":
                return .done(
                    ChangeSet.isNoChanges(reason) ? .noChanges : .failed(reason.isEmpty ? "no reason given" : reason))
            default:
                return .pending(status)
            }
        }
    }

    public func execute(_ id: String, token: String) throws {
        _ = try client.query(
            "cloudformation", "ExecuteChangeSet", [("ChangeSetName", id), ("ClientRequestToken", token)])
    }

    /// Deleting a change set twice is harmless, so retrying it is too.
    public func delete(_ id: String) throws {
        _ = try client.query("cloudformation", "DeleteChangeSet", [("ChangeSetName", id)], idempotent: true)
    }
}
