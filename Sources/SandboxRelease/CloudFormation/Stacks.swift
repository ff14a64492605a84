import AWSCore

/// A CloudFormation stack as DescribeStacks reports it, and the calls that read, wait for and
/// delete one.
public struct Stack {
    public var name: String
    public var id: String
    public var status: String
    public var statusReason: String?
    /// LastUpdatedTime, or CreationTime for a stack never updated: changes with every execution.
    public var lastChanged: String
    public var outputs: [(String, String)]

    public init(_ json: JSON) {
        name = json["StackName"]?.string ?? ""
        id = json["StackId"]?.string ?? ""
        status = json["StackStatus"]?.string ?? ""
        statusReason = json["StackStatusReason"]?.string
        lastChanged = json["LastUpdatedTime"]?.string ?? json["CreationTime"]?.string ?? ""
        outputs = json["Outputs"]?.list.compactMap { o in
            o["OutputKey"]?.string.map { ($0, o["OutputValue"]?.string ?? "") }
        } ?? []
    }

    /// CloudFormation's stack names: a letter, then letters, digits and `-`, at most 128.
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter, s.count <= 128 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Still changing; REVIEW_IN_PROGRESS is a stack that only has change sets, not an operation.
    public static func isInProgress(_ status: String) -> Bool {
        status.hasSuffix("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
    }

    /// The end states of a successful operation.
    public static let succeeded: Set<String> = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"]

    /// cfn-deploy's answer: `{"StackName","StackId","Status","Outputs":{…},"Changed"}`.
    public func result(changed: Bool) -> JSON {
        ["StackName": .string(name), "StackId": .string(id), "Status": .string(status),
         "Outputs": .object(outputs.map { ($0.0, .string($0.1)) }), "Changed": .bool(changed)]
    }
}

public extension AWSClient {
    /// The stack by name or id; nil when CloudFormation knows no such stack.
    func describeStack(_ nameOrId: String) throws -> Stack? {
        do {
            let r = try query("cloudformation", "DescribeStacks", [("StackName", nameOrId)])
            return r["DescribeStacksResult"]?["Stacks"]?.list.first.map(Stack.init)
        } catch let ToolError.aws(e) where e.code == "ValidationError" && e.message.contains("does not exist") {
            return nil
        }
    }

    /// Polls the stack (by id, which still answers once deleted) until no operation runs,
    /// streaming its new events to stderr. Returns the settled stack.
    func waitForStack(_ id: String, events: StackEvents, timeout: Double) throws -> Stack {
        try Waiter("stack \(events.stackName)", timeout: timeout).wait { () -> Waiter.Poll<Stack> in
            try events.printNew()
            guard let stack = try describeStack(id) else {
                return .done(Stack(["StackName": .string(events.stackName), "StackId": .string(id), "StackStatus": "DELETE_COMPLETE"]))
            }
            if Stack.isInProgress(stack.status) { return .pending(stack.status) }
            try events.printNew()
            return .done(stack)
        }
    }

    /// Deletes the stack and waits; a stack that does not exist is already deleted. Returns the
    /// stack as it was before (nil when there was none).
    @discardableResult
    func deleteStack(_ name: String, timeout: Double) throws -> Stack? {
        guard let stack = try describeStack(name) else { return nil }
        if stack.status == "DELETE_COMPLETE" { return nil }
        let events = try StackEvents(client: self, stack: stack)
        // DeleteStack is safe to repeat: deleting a stack that is being deleted is accepted.
        _ = try query("cloudformation", "DeleteStack", [("StackName", stack.id)], idempotent: true)
        let after = try waitForStack(stack.id, events: events, timeout: timeout)
        guard after.status == "DELETE_COMPLETE" else { throw events.failure(after, doing: "deleting") }
        return stack
    }
}
