import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct PurgeAssets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge-assets",
        abstract: "Remove what list-assets found (a dry run unless --yes).",
        discussion: """
            Reads list-assets JSON on stdin (the array, or its entries as a stream, e.g. after \
            `--filter '.[] | select(.kind == "ami")'`); input of any other shape exits 2 before anything \
            is removed. The dry run prints {"kind","id","action","command"} per asset, the action \
            "would remove", or for an export task "would cancel and untag" (active) / "would untag". \
            With --yes, in dependency order: cancel active export tasks and remove the asset-id tag from \
            every export task (AWS keeps their records, which cost nothing and cannot be deleted), \
            deregister AMIs, delete snapshots, delete S3 objects (1000 per call), delete stacks and \
            wait, delete key pairs; one line \
            {"kind","id","outcome":"removed"|"untagged"|"already gone"|"failed","error"?,"reason"?} per \
            asset. A failure does not stop the rest; the exit status is 1 if any failed. Permanent stacks \
            are never deleted.

            Before it removes an asset, purge checks that the entry's asset-id matches --asset-id, that \
            an S3 key lies under <images-prefix>/<asset-id>/, and that the asset as AWS describes it now \
            carries that same asset-id tag and is not published (tag published=true, set by ami-export \
            make-public) unless --include-published. S3 keys carry no tags: those of an asset-id whose AMI \
            in the key's Region is tagged published=true now (one DescribeImages per asset-id) are the \
            public's downloads, refused likewise. An asset that fails a check is left alone, with \
            the line {"kind","id","outcome":"refused","reason"}; then the exit status is 2 (1 if any \
            also failed). A glob in --asset-id removes only with --expect-count N, the number of \
            assets read.
            """)

    @Flag(name: .long, help: "Print what would be removed (the default).")
    var dryRun = false

    @Flag(name: .long, help: "Remove the assets.")
    var yes = false

    @Option(name: .long, help: "The asset-id every asset must carry now (a glob such as 1.2.* needs --expect-count).")
    var assetId: String

    @Option(
        name: .long, help: "With a glob --asset-id: how many assets the reviewed list has; any other number is refused."
    )
    var expectCount: Int?

    @Flag(
        name: .long,
        help: "Also remove published assets: a public AMI, its snapshots and the S3 images of its asset-id.")
    var includePublished = false

    @Option(name: .long, help: "Seconds to wait for the stacks' deletion.")
    var stackTimeout: Double = 3600

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if dryRun && yes { throw ToolError.usage("--dry-run and --yes contradict each other; give one") }
        guard stackTimeout > 0 else { throw ToolError.usage("--stack-timeout must be positive") }
        _ = try AssetIdPattern(assetId)
    }

    func run() throws {
        let printer = try output.printer()
        let env = processEnvironment()
        let tagKey = self.assets.resolvedTagKey(env)
        let guarding = AssetGuard(
            pattern: try AssetIdPattern(assetId), tagKey: tagKey,
            imagesPrefix: images.resolved(env), stagingPrefix: images.resolvedStaging(env),
            includePublished: includePublished)
        let assets = try AssetPurge.read(
            Input.list(what: "list-assets JSON", hint: "purge-assets reads list-assets JSON: use --format json"),
            tagKey: tagKey, region: aws.region)
        guard yes else {
            for a in assets { try printer.emitLine(AssetPurge.plan(a, guarding)) }
            return
        }
        try guarding.confirm(count: assets.count, expectCount: expectCount)
        let purge = try AssetPurge(regionsOf: assets, environment: env, profile: aws.profile, guarding: guarding) {
            a, outcome in
            try printer.emitLine(AssetPurge.line(a, outcome))
        }
        purge.stackTimeout = stackTimeout
        try purge.run(assets)
    }
}

ToolMain.run(PurgeAssets.self)
