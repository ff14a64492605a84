import AWSCore

/// CodeBuild builds (JSON 1.1): start one with environment overrides, read one.
public struct Builds {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// StartBuild with PLAINTEXT overrides. The idempotency token makes a repeat within CodeBuild's
    /// five minutes answer the build already started, so a lost reply is retried safely.
    public func start(project: String, environment: [(String, String)], idempotencyToken: String) throws -> JSON {
        let overrides = environment.map { name, value -> JSON in
            ["name": .string(name), "value": .string(value), "type": "PLAINTEXT"]
        }
        let body: JSON = [
            "projectName": .string(project), "environmentVariablesOverride": .array(overrides),
            "idempotencyToken": .string(idempotencyToken),
        ]
        // A signal while it is in flight lets it finish: the caller then knows the build it started.
        let answer = try Interrupt.lettingFinish(client.http) { try client.json("codebuild", "StartBuild", body) }
        guard let build = answer["build"], build["id"]?.string != nil else {
            throw ToolError.remote("StartBuild of project \(project) answered no build id")
        }
        return build
    }

    /// The build as BatchGetBuilds shows it (it only reads, so it is always retried).
    public func get(_ id: String) throws -> JSON {
        let r = try client.json("codebuild", "BatchGetBuilds", ["ids": [.string(id)]], idempotent: true)
        guard let build = r["builds"]?.list.first else {
            throw ToolError.remote("BatchGetBuilds does not know build \(id); is the region right?")
        }
        return build
    }
}
