import AWSCore

/// One CloudWatch Logs stream read forward (JSON 1.1 GetLogEvents): each `next()` returns the
/// lines added since the previous call, following `nextForwardToken` until it stops moving.
public final class LogStream {
    let client: AWSClient
    public let group: String
    public let name: String
    private var token: String?

    public init(_ client: AWSClient, group: String, name: String) {
        self.client = client
        self.group = group
        self.name = name
    }

    /// The new lines, without their line ends. A stream not created yet (a build that has not
    /// written anything) has no lines so far.
    public func next() throws -> [String] {
        var lines: [String] = []
        while true {
            var body: JSON = ["logGroupName": .string(group), "logStreamName": .string(name), "startFromHead": true]
            if let token { body.set("nextToken", .string(token)) }
            let page: JSON
            do {
                page = try client.json("logs", "GetLogEvents", body)
            } catch let ToolError.aws(e) where e.code == "ResourceNotFoundException" {
                return lines
            }
            for event in page["events"]?.list ?? [] {
                guard var message = event["message"]?.string else { continue }
                while message.hasSuffix("\n") || message.hasSuffix("\r") { message.removeLast() }
                lines.append(message)
            }
            // The same token back means the end of the stream for now.
            guard let forward = page["nextForwardToken"]?.string, forward != token else { return lines }
            token = forward
        }
    }
}
