import AWSCore

/// A release run in its CodeBuild project (`start-release`): the project named by the release
/// CodeBuild stack, `ASSET_ID` and `MAKE_PUBLIC` (what `buildspec/release.yml` reads) on top of the
/// caller's overrides, and a token per asset-id, so that starting the same release twice within
/// CodeBuild's five minutes answers the build already running instead of a second one.
public struct ReleaseBuild {
    public var assetId: String
    public var makePublic: Bool
    /// Further PLAINTEXT variables; `ASSET_ID` and `MAKE_PUBLIC` are set from the fields above.
    public var environment: [(String, String)]

    public init(assetId: String, makePublic: Bool, environment: [(String, String)] = []) {
        self.assetId = assetId
        self.makePublic = makePublic
        self.environment = environment
    }

    public var idempotencyToken: String { "release-\(assetId)" }

    public var overrides: [(String, String)] {
        environment.filter { $0.0 != "ASSET_ID" && $0.0 != "MAKE_PUBLIC" }
            + [("ASSET_ID", assetId), ("MAKE_PUBLIC", makePublic ? "1" : "")]
    }

    /// The project name from the release CodeBuild stack's `ProjectName` output.
    public static func projectName(_ client: AWSClient) throws -> String {
        let stackName = AssetConventions.releaseCodeBuildStack
        guard let stack = try Stacks(client).describe(stackName) else {
            throw ToolError.remote(
                "stack \(stackName) not found in \(client.region): deploy it "
                    + "(make deploy-release-codebuild) or name the project with --project")
        }
        guard let name = stack.outputs.first(where: { $0.0 == "ProjectName" })?.1 else {
            throw ToolError.remote("stack \(stackName) has no ProjectName output: update it or use --project")
        }
        return name
    }

    /// Starts the build (or finds the one this token already started) and follows it to its end.
    public func run(_ client: AWSClient, project: String, timeout: Double) throws -> JSON {
        let build = try Builds(client).start(
            project: project, environment: overrides,
            idempotencyToken: idempotencyToken)
        let id = build["id"]!.string!
        log("release build \(id) of project \(project) started")
        return try BuildFollower(client, timeout: timeout).follow(id)
    }
}
