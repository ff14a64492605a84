import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct StartRelease: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start-release",
        abstract: "Start the release of an asset-id in its CodeBuild project and follow it to its end.",
        discussion: """
            StartBuild of the project named by the DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD stack's \
            ProjectName output (or --project), with ASSET_ID, MAKE_PUBLIC and each --env as PLAINTEXT \
            environment overrides and the idempotency token release-<asset-id>: starting the same \
            asset-id again within five minutes follows the build already running. Prints each phase \
            change and the build's CloudWatch log lines on stderr, then the build JSON on stdout; exits \
            0 when the build SUCCEEDED, 1 otherwise. Ctrl-C (SIGINT) or SIGTERM stops the following, \
            not the build: the tool says how to stop it (aws codebuild stop-build --id ID) and exits \
            130 or 143. --env values are visible in the build's details: never pass a secret there. \
            The build is printed as CodeBuild's API gives it (camelCase, as aws codebuild batch-get-builds).
            """,
        version: ToolVersion.text)

    @Option(
        name: .long, help: "The asset-id to release, e.g. 1.2.0 (ASSET_ID of the build).", transform: AssetId.parse)
    var assetId: AssetId

    @Flag(name: .long, help: "Make the AMI public (MAKE_PUBLIC=1 in the build).")
    var makePublic = false

    @Option(
        name: .customLong("env"), help: "A further environment override NAME=VALUE (repeatable).",
        transform: EnvironmentVariable.parse)
    var environment: [EnvironmentVariable] = []

    @Option(name: .long, help: "The CodeBuild project (default: the release CodeBuild stack's ProjectName output).")
    var project: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Seconds to follow the build before giving up (the build itself goes on).",
        transform: NumberArgument.seconds)
    var timeout: Double = 10 * 3600

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let project, project.isEmpty { throw ValidationError("--project must not be empty") }
    }

    func run() throws {
        let printer = try output.printer()
        let client = try aws.client()
        let release = ReleaseBuild(
            assetId: assetId.value, makePublic: makePublic,
            environment: environment.map { ($0.name, $0.value) })
        let build = try release.run(client, project: project ?? ReleaseBuild.projectName(client), timeout: timeout)
        try printer.emit(build)
        let status = build["buildStatus"]?.string ?? "unknown"
        guard status == "SUCCEEDED" else {
            throw ToolError.remote("build \(build["id"]?.string ?? "") ended \(status)")
        }
    }
}

ToolMain.run(StartRelease.self)
