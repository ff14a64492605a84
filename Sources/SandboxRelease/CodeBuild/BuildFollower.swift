import AWSCore

/// Follows a CodeBuild build to its end on the library's waiter: each phase change and each new
/// line of its CloudWatch log on stderr. An interrupt stops the following, not the build: the
/// build belongs to CodeBuild, and a follower that stopped it on Ctrl-C would surprise.
public struct BuildFollower {
    let builds: Builds
    let client: AWSClient
    public var timeout: Double
    public var firstDelay: Double = 2
    public var maxDelay: Double = 15

    public init(_ client: AWSClient, timeout: Double) {
        self.client = client
        builds = Builds(client)
        self.timeout = timeout
    }

    /// The build once its status is no longer IN_PROGRESS.
    public func follow(_ id: String) throws -> JSON {
        var logStream: LogStream?
        func printNewLines(_ build: JSON) throws {
            if logStream == nil, let group = build["logs"]?["groupName"]?.string,
                let stream = build["logs"]?["streamName"]?.string
            {
                logStream = LogStream(client, group: group, name: stream)
            }
            for line in try logStream?.next() ?? [] { log(line) }
        }
        let waiter = Waiter("build \(id)", timeout: timeout, firstDelay: firstDelay, maxDelay: maxDelay)
        do {
            return try waiter.wait { () -> Waiter.Poll<JSON> in
                let build = try builds.get(id)
                try printNewLines(build)
                let status = build["buildStatus"]?.string ?? "IN_PROGRESS"
                guard status == "IN_PROGRESS" else {
                    // Lines written between the last read and the end.
                    try printNewLines(build)
                    return .done(build)
                }
                return .pending("\(build["currentPhase"]?.string ?? "SUBMITTED") \(status)")
            }
        } catch ToolError.interrupted(let signal) {
            log("build \(id) goes on running; to stop it: aws codebuild stop-build --id '\(id)'")
            throw ToolError.interrupted(signal)
        }
    }
}
