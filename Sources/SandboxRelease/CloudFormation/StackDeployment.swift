import AWSCore

/// Deploys a template to a stack through a change set: validate, create the change set, and
/// execute it only when it changes something, streaming the stack's events while it runs; or,
/// without `execute`, leave it for a person to review.
public struct StackDeployment {
    public var stackName: String
    public var template: StackTemplate
    public var templateBucket: String?
    public var parameters: [(String, String)]
    public var tags: [(String, String)]
    /// Remove a stack whose CREATE rolled back (ROLLBACK_COMPLETE), which can only be deleted.
    public var deleteFailed: Bool
    public var timeout: Double
    /// The asset-id tag given: an existing stack with another value is refused, not updated.
    public var requiredTag: (key: String, value: String)?
    /// Turn termination protection on once the stack is deployed (the permanent stacks).
    public var terminationProtection = false
    /// false: print the change set and leave it (`--no-execute`); the same deploy later executes it.
    public var execute = true

    public init(
        stackName: String, template: StackTemplate, templateBucket: String?, parameters: [(String, String)],
        tags: [(String, String)], deleteFailed: Bool, timeout: Double
    ) {
        self.stackName = stackName
        self.template = template
        self.templateBucket = templateBucket
        self.parameters = parameters
        self.tags = tags
        self.deleteFailed = deleteFailed
        self.timeout = timeout
    }

    /// Runs the deploy and returns the stack's result (`Stack.result`), or the change set left
    /// for review (`review`).
    public mutating func run(_ client: AWSClient) throws -> JSON {
        let result = try deploy(client)
        if terminationProtection && execute {
            try Stacks(client).protect(stackName)
            log("stack \(stackName): termination protection on")
        }
        return result
    }

    private mutating func deploy(_ client: AWSClient) throws -> JSON {
        if let bucket = templateBucket { try template.upload(to: bucket, client: client) }
        let validation: JSON
        do {
            validation =
                try client.query("cloudformation", "ValidateTemplate", [template.source])["ValidateTemplateResult"]
                ?? .null
        } catch let ToolError.aws(e) where e.code == "ValidationError" {
            throw ToolError.remote("template \(template.path) is invalid: \(e.message); fix it (cfn-lint shows more)")
        }
        try StackParameters.check(parameters, against: StackParameters.declared(validation), template: template.path)
        var capabilities = validation["Capabilities"]?.list.compactMap(\.string) ?? []
        if !(validation["DeclaredTransforms"]?.list.isEmpty ?? true) { capabilities.append("CAPABILITY_AUTO_EXPAND") }

        let existing = try settled(client)
        let create = existing == nil || existing?.status == "REVIEW_IN_PROGRESS"
        let changeSet = ChangeSet(
            stackName: stackName, type: create ? "CREATE" : "UPDATE",
            stackState: create ? "" : existing.map { $0.id + " " + $0.lastChanged } ?? "",
            template: template, parameters: parameters, tags: tags, capabilities: capabilities)
        if existing != nil { try replaceLeftForReview(client, keeping: changeSet.name) }
        let id: String
        do {
            id = try ChangeSets(client).create(changeSet)
        } catch let ToolError.aws(e) where e.code == "ValidationError" && ChangeSet.isNoChanges(e.message) {
            // Some endpoints refuse an empty change set outright instead of failing it.
            log("stack \(stackName): no changes; nothing executed")
            return try execute ? current(client).result(changed: false) : review(changeSet, id: nil, changes: [])
        }
        log("stack \(stackName): change set \(changeSet.name) (\(changeSet.type))")
        switch try ChangeSets(client).wait(id, stackName: stackName, timeout: timeout) {
        case .noChanges:
            try ChangeSets(client).delete(id)
            log("stack \(stackName): no changes; nothing executed")
            return try execute ? current(client).result(changed: false) : review(changeSet, id: nil, changes: [])
        case let .failed(reason):
            try ChangeSets(client).delete(id)
            // A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS behind.
            if create, let stack = try Stacks(client).describe(stackName), stack.status == "REVIEW_IN_PROGRESS" {
                try Stacks(client).delete(stack.id, timeout: timeout)
            }
            throw ToolError.remote(
                "stack \(stackName): the change set failed: \(reason); fix the template or the parameters")
        case .ready:
            break
        }
        guard execute else {
            log(
                "stack \(stackName): change set \(changeSet.name) left for review; the same deploy without --no-execute executes it"
            )
            return review(changeSet, id: id, changes: try ChangeSets(client).changes(id))
        }

        let stack = try current(client)
        let events = try StackEvents(client: client, stack: stack)
        try ChangeSets(client).execute(id, token: changeSet.token)
        let after: Stack
        do {
            after = try Stacks(client).wait(stack.id, events: events, timeout: timeout)
        } catch ToolError.interrupted(let signal) {
            log(
                "stack \(stackName): CloudFormation goes on with the change set; run the same deploy again to wait for it"
            )
            throw ToolError.interrupted(signal)
        }
        if Stack.succeeded.contains(after.status) { return after.result(changed: true) }
        guard create, after.status == "ROLLBACK_COMPLETE" else { throw events.failure(after, doing: changeSet.type) }
        let error = events.failure(
            after, doing: "CREATE",
            hint: deleteFailed
                ? "the stack was deleted (--delete-failed)"
                : "the stack is left in ROLLBACK_COMPLETE: delete it with cfn-deploy --delete --stack \(stackName), or deploy again with --delete-failed"
        )
        if deleteFailed { try Stacks(client).delete(after.id, timeout: timeout) }
        throw error
    }

    /// `--no-execute`'s output: the change set and what it would change (no change set when
    /// there is nothing to change).
    func review(_ changeSet: ChangeSet, id: String?, changes: [JSON]) -> JSON {
        [
            "StackName": .string(stackName), "ChangeSetName": id == nil ? .null : .string(changeSet.name),
            "ChangeSetId": JSON(id), "ChangeSetType": .string(changeSet.type), "Changes": .array(changes),
        ]
    }

    /// A change set an earlier `--no-execute` left is stale once a deploy of other content runs:
    /// it is deleted, so that the one left for review is always the last one asked for. Only
    /// cfn-deploy's own (named `cfn-deploy-…`), never one a person made.
    private func replaceLeftForReview(_ client: AWSClient, keeping name: String) throws {
        for old in try ChangeSets(client).list(stack: stackName)
        where old.name.hasPrefix(ChangeSet.namePrefix) && old.name != name {
            log("stack \(stackName): replacing change set \(old.name), left for review before")
            try ChangeSets(client).delete(old.id)
        }
    }

    /// The stack once no operation runs on it (nil when missing). A CREATE that rolled back can
    /// only be deleted: with --delete-failed it is, otherwise the deploy stops here.
    private func settled(_ client: AWSClient) throws -> Stack? {
        guard var stack = try Stacks(client).describe(stackName) else { return nil }
        if stack.status != "DELETE_COMPLETE" { try stack.requireTag(requiredTag) }
        if Stack.isInProgress(stack.status) {
            log("stack \(stackName): waiting for \(stack.status) to end before deploying")
            stack = try Stacks(client).wait(
                stack.id, events: StackEvents(client: client, stack: stack), timeout: timeout)
        }
        switch stack.status {
        case "DELETE_COMPLETE":
            return nil
        case "ROLLBACK_COMPLETE", "ROLLBACK_FAILED":
            guard deleteFailed else {
                throw ToolError.remote(
                    "stack \(stackName) is in \(stack.status) after a failed CREATE and cannot be updated: delete it with cfn-deploy --delete --stack \(stackName), or deploy with --delete-failed"
                )
            }
            log("stack \(stackName): deleting it, its CREATE rolled back (--delete-failed)")
            try Stacks(client).delete(stack.id, timeout: timeout)
            return nil
        default:
            return stack
        }
    }

    private func current(_ client: AWSClient) throws -> Stack {
        guard let stack = try Stacks(client).describe(stackName) else {
            throw ToolError.remote("stack \(stackName) vanished during the deploy; deploy again")
        }
        return stack
    }
}
