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
            state), key pairs, security groups and CloudFormation stacks (with their resources) tagged with a matching \
            asset-id, and the objects under <images-prefix>/<asset-id>/ in the VM bucket.
            JSON (the default when stdout is not a terminal, or with --filter, -r or -c) is an array of \
            {"Kind","Id","Name","State","Created","Size","AssetId","Region","Url","RemoveWith"}, plus \
            "Bucket" for s3-object and "Resources" for stack; purge-assets reads it. A kind that could \
            not be listed (S3 without a VM bucket) is an entry {"Kind":"not-listed","Id":KIND,"Region",\
            "Reason"}, and the exit status is 1 unless --allow-partial.
            """,
        version: ToolVersion.text)

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

    @Option(
        name: .long,
        help: "json, table or markdown (default: table on a terminal, json otherwise or with --filter, -r, -c).")
    var format: Format?

    @Flag(name: .long, help: "Exit 0 when a kind could not be listed (the output still marks it).")
    var allowPartial = false

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    /// The output format asked for; on a terminal a table, unless an output option asks for JSON.
    var chosenFormat: Format { format ?? (isatty(1) != 0 && !output.asksForJSON ? .table : .json) }

    func validate() throws {
        if let format, format != .json, output.asksForJSON {
            throw ToolError.usage(
                "--filter, -r and -c work on JSON output, not --format \(format.rawValue): drop them or use --format json"
            )
        }
        _ = try AssetIdPattern(assetId)
        _ = try kinds.map(Asset.Kind.parseList)
    }

    func run() throws {
        let printer = try output.printer()
        let env = aws.environment()
        let listing = AssetListing(
            pattern: try AssetIdPattern(assetId),
            kinds: try kinds.map(Asset.Kind.parseList) ?? Asset.Kind.allCases,
            tagKey: assets.resolvedTagKey(env), imagesPrefix: images.resolved(env),
            stagingPrefix: images.resolvedStaging(env),
            bucket: bucket ?? env["VM_BUCKET"].flatMap { $0.isEmpty ? nil : $0 }, cdnDomain: cdnDomain)
        let found = try listing.run(try aws.client())
        switch chosenFormat {
        case .json: try printer.emit(.array(found.assets.map(\.json) + found.notListed.map(\.json)))
        case .table:
            let color = isatty(1) != 0 && (env["NO_COLOR"] ?? "").isEmpty
            print(AssetTable.text(found.assets, notListed: found.notListed, color: color), terminator: "")
        case .markdown:
            print(AssetTable.markdown(found.assets, notListed: found.notListed, pattern: assetId), terminator: "")
        }
        let partial = found.notListed.map(\.text).joined(separator: "; ")
        guard partial.isEmpty || allowPartial else {
            throw ToolError.remote("partial list, \(partial); --allow-partial accepts a partial list")
        }
        if !partial.isEmpty { log("list-assets: partial list, \(partial)") }
    }
}

ToolMain.run(ListAssets.self)
