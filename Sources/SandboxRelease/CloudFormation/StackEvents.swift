import AWSCore

/// A stack's events from a point on: DescribeStackEvents pages newest-first, so each poll reads
/// back until the last event already seen and prints what is new oldest-first to stderr.
public final class StackEvents {
    let client: AWSClient
    let stackId: String
    public let stackName: String
    private var lastSeen: String?
    /// The new events that failed, with their reasons, for the error at the end.
    public private(set) var failed: [JSON] = []

    /// Starts after the stack's newest event, so only what happens from now on is shown.
    public init(client: AWSClient, stack: Stack) throws {
        self.client = client
        stackId = stack.id
        stackName = stack.name
        lastSeen = try page(nil).events.first?["EventId"]?.string
    }

    private func page(_ token: String?) throws -> (events: [JSON], next: String?) {
        var p = QueryParams()
        p.add("StackName", stackId)
        p.add("NextToken", token)
        let r = try client.query("cloudformation", "DescribeStackEvents", p.pairs)["DescribeStackEventsResult"]
        return (r?["StackEvents"]?.list ?? [], r?["NextToken"]?.string)
    }

    /// The events after the last seen one, oldest first.
    func new() throws -> [JSON] {
        var fresh: [JSON] = []
        var token: String?
        repeat {
            let (events, next) = try page(token)
            for event in events {
                if let id = event["EventId"]?.string, id == lastSeen { return finish(fresh) }
                fresh.append(event)
            }
            token = next.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return finish(fresh)
    }

    private func finish(_ newestFirst: [JSON]) -> [JSON] {
        if let id = newestFirst.first?["EventId"]?.string { lastSeen = id }
        return newestFirst.reversed()
    }

    /// Prints the new events as `TIME LogicalId ResourceType STATUS reason`.
    public func printNew() throws {
        for event in try new() {
            log(StackEvents.line(event))
            if event["ResourceStatus"]?.string?.hasSuffix("FAILED") == true { failed.append(event) }
        }
    }

    public static func line(_ e: JSON) -> String {
        let fields = ["Timestamp", "LogicalResourceId", "ResourceType", "ResourceStatus", "ResourceStatusReason"]
        return fields.compactMap { e[$0]?.string }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The error for an operation that ended in `stack`'s state: the failed events' reasons are
    /// printed, the one line of the error names the stack, its state and the first reason.
    public func failure(_ stack: Stack, doing: String, hint: String = "") -> ToolError {
        let reasons = failed.compactMap { e -> String? in
            guard let reason = e["ResourceStatusReason"]?.string, !reason.isEmpty else { return nil }
            return "\(e["LogicalResourceId"]?.string ?? "?") (\(e["ResourceType"]?.string ?? "?")): \(reason)"
        }
        for reason in reasons { log("failed: \(reason)") }
        let first =
            reasons.first { !$0.contains("Resource creation cancelled") } ?? reasons.first ?? stack.statusReason
            ?? "no reason given"
        return .remote(
            "stack \(stack.name): \(doing) ended in \(stack.status): \(first)\(hint.isEmpty ? "" : "; " + hint)")
    }
}
