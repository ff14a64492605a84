import AWSCore

/// CloudFormation stacks: read one or all, wait for one to settle, delete, list the summaries
/// ListStacks keeps of deleted stacks, and read a stack's resources.
public struct Stacks {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// The stack by name or id; nil when CloudFormation knows no such stack.
    public func describe(_ nameOrId: String) throws -> Stack? {
        do {
            let r = try client.query("cloudformation", "DescribeStacks", [("StackName", nameOrId)])
            return r["DescribeStacksResult"]?["Stacks"]?.list.first.map(Stack.init)
        } catch let ToolError.aws(e) where e.code == "ValidationError" && e.message.contains("does not exist") {
            return nil
        }
    }

    /// Every stack of the Region (deleted ones aside, as DescribeStacks leaves them out), across pages.
    public func describeAll() throws -> [Stack] {
        try client.queryAll("cloudformation", "DescribeStacks", list: "Stacks").map(Stack.init)
    }

    /// Polls the stack (by id, which still answers once deleted) until no operation runs,
    /// streaming its new events to stderr. Returns the settled stack.
    public func wait(_ id: String, events: StackEvents, timeout: Double) throws -> Stack {
        try Waiter("stack \(events.stackName)", timeout: timeout).wait { () -> Waiter.Poll<Stack> in
            try events.printNew()
            guard let stack = try describe(id) else {
                return .done(
                    Stack([
                        "StackName": .string(events.stackName), "StackId": .string(id),
                        "StackStatus": "DELETE_COMPLETE",
                    ]))
            }
            if Stack.isInProgress(stack.status) { return .pending(stack.status) }
            try events.printNew()
            return .done(stack)
        }
    }

    /// Deletes the stack and waits; a stack that does not exist is already deleted. Returns the
    /// stack as it was before (nil when there was none).
    @discardableResult
    public func delete(_ name: String, timeout: Double, requiredTag: (key: String, value: String)? = nil) throws
        -> Stack?
    {
        guard let stack = try describe(name) else { return nil }
        if stack.status == "DELETE_COMPLETE" { return nil }
        try stack.requireTag(requiredTag)
        let events = try StackEvents(client: client, stack: stack)
        try startDeleting(stack.id)
        let after = try wait(stack.id, events: events, timeout: timeout)
        guard after.status == "DELETE_COMPLETE" else { throw events.failure(after, doing: "deleting") }
        return stack
    }

    /// DeleteStack without waiting. Safe to repeat: deleting a stack that is being deleted is accepted.
    public func startDeleting(_ nameOrId: String) throws {
        _ = try client.query("cloudformation", "DeleteStack", [("StackName", nameOrId)], idempotent: true)
    }

    /// Turns on termination protection: DeleteStack is refused until someone turns it off.
    /// Safe to repeat.
    public func protect(_ name: String) throws {
        _ = try client.query(
            "cloudformation", "UpdateTerminationProtection",
            [("EnableTerminationProtection", "true"), ("StackName", name)], idempotent: true)
    }

    /// Every line of ListStacks, which still lists the stacks deleted in the last 90 days.
    public func summaries() throws -> [StackSummary] {
        try client.queryAll("cloudformation", "ListStacks", list: "StackSummaries").map(StackSummary.init)
    }

    /// The resources of a stack, from ListStackResources.
    public func resources(of stackId: String) throws -> [StackResource] {
        try client.queryAll(
            "cloudformation", "ListStackResources", [("StackName", stackId)], list: "StackResourceSummaries"
        )
        .map(StackResource.init)
    }

    /// `cfn-deploy --describe`: the stack's result, changing nothing; a missing stack is an error.
    public func result(of name: String) throws -> JSON {
        guard let found = try describe(name) else {
            throw ToolError.remote("stack \(name) does not exist in \(client.region)")
        }
        return found.result(changed: false)
    }

    /// `cfn-deploy --delete`: deletes and waits; a missing stack is already deleted (`Changed` false).
    public func deleteResult(_ name: String, timeout: Double, requiredTag: (key: String, value: String)? = nil) throws
        -> JSON
    {
        let deleted = try delete(name, timeout: timeout, requiredTag: requiredTag)
        if deleted == nil { log("stack \(name): does not exist; nothing to delete") }
        return [
            "StackName": .string(name), "StackId": JSON(deleted?.id), "Status": "DELETE_COMPLETE",
            "Outputs": [:], "Changed": .bool(deleted != nil),
        ]
    }
}
