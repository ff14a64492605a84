import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct PreflightTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Check, changing nothing, that this account and these credentials can make a release.",
        discussion: """
            One line per check on stdout (`ok` or `FAIL`, the check, how it was made, what was found), or \
            with --format json [{"Check","How","Ok","Detail"}]. Exit 1 when any check failed, naming them. \
            Checks: the caller and Region; the VM bucket (its Region, versioning, SSE-S3, BucketOwnerEnforced); \
            the export role (trusted by vmie.amazonaws.com, with the permissions VM Import/Export needs); EBS \
            encryption by default off; the source AMI exportable (Canonical's, no billing product); the \
            export-task and vCPU quotas; every call of the release that changes something, with DryRun where \
            EC2 takes the request as the release sends it (a create with its tags), else simulated \
            (iam:SimulatePrincipalPolicy) with the tags it will carry; CloudFormation's calls are those of \
            the template's EC2 resource types.
            """,
        version: ToolVersion.text)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(
        name: .long, help: "The asset-id the release will have (names and tags of the dry runs).",
        transform: AssetId.parse)
    var assetId: AssetId

    @Option(name: .long, help: "The VM bucket.")
    var bucket: String

    @Option(name: .long, help: "The export role (ExportImage's RoleName).")
    var exportRole: String

    @Option(name: .long, help: "The AMI the release starts from.")
    var sourceAmi: String

    @Option(name: .long, help: "The EC2 stack's template (stacks/ec2-instance.yaml).")
    var template: String

    @Option(name: .long, help: "The EC2 stack's name.")
    var stack: String

    @Option(name: .long, help: "The build instance's type.")
    var instanceType = "t3.large"

    @Option(name: .long, help: "How many exports run at once (one per format).")
    var exports = 3

    @Option(name: .long, help: "The build instance's VPC; without it the account's default VPC.")
    var vpcId: String?

    @Option(name: .long, help: "The build instance's subnet.")
    var subnetId: String?

    @Option(name: .long, help: "text (one line per check) or json.")
    var format: Format = .text

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if format != .json, output.asksForJSON {
            throw ToolError.usage("--filter, -r and -c work on JSON output; add --format json")
        }
        guard (1...Preflight.exportTaskQuota).contains(exports) else {
            throw ToolError.usage("--exports must be 1 to \(Preflight.exportTaskQuota)")
        }
        _ = try StackTemplate(path: template, uploadBucket: nil)
    }

    func run() throws {
        let printer = try output.printer()
        let client = try aws.client()
        let preflight = Preflight(
            assetId: assetId.value, tagKey: assets.resolvedTagKey(client.environment), bucket: bucket,
            imagesPrefix: images.resolved(client.environment),
            stagingPrefix: images.resolvedStaging(client.environment), exportRole: exportRole, sourceImage: sourceAmi,
            instanceType: instanceType, exports: exports, stack: stack,
            template: try StackTemplate(path: template, uploadBucket: nil), vpcId: vpcId, subnetId: subnetId)
        let checks = try preflight.run(client)
        switch format {
        case .json: try printer.emit(.array(checks.map(\.json)))
        case .text: for c in checks { print(c.line) }
        }
        let failed = checks.filter { !$0.ok }
        guard failed.isEmpty else {
            throw ToolError.remote(
                "\(failed.count) of \(checks.count) checks failed: \(failed.map(\.check).joined(separator: "; "))")
        }
    }
}

ToolMain.run(PreflightTool.self)
