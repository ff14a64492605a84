import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct ListAssets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-assets",
        abstract: "Show everything an asset-id (or a pattern of them) left behind.",
        discussion: """
            Lists AMIs, snapshots, export-image tasks (in every state AWS still reports, with that \
            state), key pairs and CloudFormation stacks (with their resources) tagged with a matching \
            asset-id, and the objects under <images-prefix>/<asset-id>/ in the VM bucket.
            JSON (the default when stdout is not a terminal) is an array of \
            {"kind","id","name","state","created","size","assetId","region","url","removeWith"}, plus \
            "bucket" for s3-object and "resources" for stack; purge-assets reads it.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, table, markdown }

    @Option(name: .long, help: "An asset-id (1.2.0) or a pattern with * and ? (1.2.*, '*' for all).")
    var assetId: String

    @Option(name: .long, help: "Comma-separated kinds to list (default: all): \(Asset.Kind.allNames).")
    var kinds: String?

    @Option(
        name: .long, help: "The VM bucket (default: $VM_BUCKET, else the BucketName output of the VM bucket stack).")
    var bucket: String?

    @Option(
        name: .long,
        help: "CloudFront domain for the images' URLs (default: the VM bucket stack's DistributionDomainName).")
    var cdnDomain: String?

    @Option(name: .long, help: "json, table or markdown (default: table on a terminal, json otherwise).")
    var format: Format?

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    /// The output format asked for; on a terminal a table, otherwise JSON.
    var chosenFormat: Format { format ?? (isatty(1) != 0 ? .table : .json) }

    func validate() throws {
        if chosenFormat != .json, output.filter != nil {
            throw ToolError.usage("--filter works on JSON output; drop it or use --format json")
        }
        _ = try AssetIdPattern(assetId)
        _ = try kinds.map(Asset.Kind.parseList)
    }

    func run() throws {
        let printer = try output.printer()
        let env = processEnvironment()
        let listing = AssetListing(
            pattern: try AssetIdPattern(assetId),
            kinds: try kinds.map(Asset.Kind.parseList) ?? Asset.Kind.allCases,
            tagKey: assets.resolvedTagKey(env), imagesPrefix: images.resolved(env),
            stagingPrefix: images.resolvedStaging(env),
            bucket: bucket ?? env["VM_BUCKET"].flatMap { $0.isEmpty ? nil : $0 }, cdnDomain: cdnDomain)
        let found = try listing.run(try aws.client())
        switch chosenFormat {
        case .json: try printer.emit(.array(found.map(\.json)))
        case .table:
            print(AssetTable.text(found, color: isatty(1) != 0 && (env["NO_COLOR"] ?? "").isEmpty), terminator: "")
        case .markdown: print(AssetTable.markdown(found, pattern: assetId), terminator: "")
        }
    }
}

ToolMain.run(ListAssets.self)
