import AWSCore

/// The change set calls of one deploy: create, wait until computed, execute, delete.
public struct ChangeSets {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Creates the change set; returns its id (ARN). One of that name already there (left for
    /// review by `--no-execute`) has the same content, since the name is its hash: that one is it.
    public func create(_ changeSet: ChangeSet) throws -> String {
        let r: JSON
        do {
            r = try client.query("cloudformation", "CreateChangeSet", changeSet.params)
        } catch let ToolError.aws(e) where e.code == "AlreadyExistsException" {
            let existing = try client.query(
                "cloudformation", "DescribeChangeSet",
                [("StackName", changeSet.stackName), ("ChangeSetName", changeSet.name)])
            guard let id = existing["DescribeChangeSetResult"]?["ChangeSetId"]?.string else { throw ToolError.aws(e) }
            return id
        }
        guard let id = r["CreateChangeSetResult"]?["Id"]?.string else {
            throw ToolError.remote("CreateChangeSet for stack \(changeSet.stackName) answered no change set id")
        }
        return id
    }

    /// The stack's change sets, every page: (name, id).
    public func list(stack: String) throws -> [(name: String, id: String)] {
        try Pagination.all { token in
            var p: [(String, String)] = [("StackName", stack)]
            if let token { p.append(("NextToken", token)) }
            let r = try client.query("cloudformation", "ListChangeSets", p)["ListChangeSetsResult"]
            let items = (r?["Summaries"]?.list ?? []).compactMap { s -> (name: String, id: String)? in
                guard let name = s["ChangeSetName"]?.string, let id = s["ChangeSetId"]?.string else { return nil }
                return (name, id)
            }
            return (items, r?["NextToken"]?.string)
        }
    }

    /// What a computed change set would do, every page, in the names `aws cloudformation
    /// describe-change-set` prints: `{"Action","LogicalResourceId","PhysicalResourceId",
    /// "ResourceType","Replacement"}` per resource.
    public func changes(_ id: String) throws -> [JSON] {
        try Pagination.all { token in
            var p: [(String, String)] = [("ChangeSetName", id)]
            if let token { p.append(("NextToken", token)) }
            let r = try client.query("cloudformation", "DescribeChangeSet", p)["DescribeChangeSetResult"]
            let items = (r?["Changes"]?.list ?? []).compactMap { change -> JSON? in
                guard let c = change["ResourceChange"] else { return nil }
                return [
                    "Action": c["Action"] ?? .null, "LogicalResourceId": c["LogicalResourceId"] ?? .null,
                    "PhysicalResourceId": c["PhysicalResourceId"] ?? .null, "ResourceType": c["ResourceType"] ?? .null,
                    "Replacement": c["Replacement"] ?? .null,
                ]
            }
            return (items, r?["NextToken"]?.string)
        }
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
