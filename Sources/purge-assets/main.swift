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
            `--filter '.[] | select(.Kind == "ami")'`); input of any other shape exits 2 before anything \
            is removed, and so does no input at all (a failed list-assets upstream), unless --allow-empty. \
            Fields purge does not read (one a person added with jq) are ignored. \
            With --yes, in dependency order: cancel active export tasks and remove the asset-id tag from \
            every export task (AWS keeps their records, which cost nothing and cannot be deleted), \
            deregister AMIs, delete snapshots, delete S3 objects (1000 per call), delete stacks and \
            wait, delete key pairs, delete security groups; one line \
            {"Kind","Id","Outcome":"removed"|"untagged"|"already gone"|"failed"|"refused","Error"?,"Reason"?} \
            per asset. The dry run (the default) makes the same read-only checks and prints the same \
            lines, with "would remove" and "would untag" for what --yes would do. A failure does not \
            stop the rest; the exit status is 1 if any failed. Permanent stacks are never deleted.

            Before it removes an asset, purge checks that the entry's asset-id matches --asset-id, that \
            an S3 key lies under <images-prefix>/<asset-id>/, and that the asset as AWS describes it now \
            carries that same asset-id tag and is not published (tag published=true, set by ami-export \
            make-public) unless --include-published. S3 keys carry no tags: those of an asset-id whose AMI \
            in the key's Region is tagged published=true now (one DescribeImages per asset-id) are the \
            public's downloads, refused likewise. An asset that fails a check is left alone, with \
            the line {"Kind","Id","Outcome":"refused","Reason"}; then the exit status is 2 (1 if any \
            also failed), in the dry run too. A glob in --asset-id removes only with --expect-count N, \
            the number of assets read; its dry run says N.
            """,
        version: ToolVersion.text)

    @Flag(name: .long, help: "Print what would be removed (the default).")
    var dryRun = false

    @Flag(name: .long, help: "Remove the assets.")
    var yes = false

    @Option(name: .long, help: "The asset-id every asset must carry now (a glob such as 1.2.* needs --expect-count).")
    var assetId: String

    @Option(
        name: .long, parsing: .unconditional,
        help: "With a glob --asset-id: how many assets the reviewed list has; any other number is refused.",
        transform: NumberArgument.count(what: "the number of assets the reviewed list has"))
    var expectCount: Int?

    @Flag(name: .long, help: "Accept no input at all as an empty list (otherwise exit 2).")
    var allowEmpty = false

    @Flag(
        name: .long,
        help: "Also remove published assets: a public AMI, its snapshots and the S3 images of its asset-id.")
    var includePublished = false

    @Option(
        name: .long, parsing: .unconditional, help: "Seconds to wait for the stacks' deletion.",
        transform: NumberArgument.seconds)
    var stackTimeout: Double = 3600

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if dryRun && yes { throw ToolError.usage("--dry-run and --yes contradict each other; give one") }
        _ = try AssetIdPattern(assetId)
    }

    func run() throws {
        let printer = try output.printer()
        let env = aws.environment()
        let tagKey = self.assets.resolvedTagKey(env)
        let guarding = AssetGuard(
            pattern: try AssetIdPattern(assetId), tagKey: tagKey,
            imagesPrefix: images.resolved(env), stagingPrefix: images.resolvedStaging(env),
            includePublished: includePublished)
        let assets = try AssetPurge.read(
            Input.list(
                what: "list-assets JSON", hint: "purge-assets reads list-assets JSON: use --format json",
                whenEmpty: allowEmpty
                    ? nil
                    : "no list-assets JSON on stdin (did the command before the pipe fail?); --allow-empty accepts no input"
            ),
            tagKey: tagKey, region: aws.region)
        // The dry run shows the count a glob's --yes needs; a count given is checked in both.
        if yes || expectCount != nil {
            try guarding.confirm(count: assets.count, expectCount: expectCount)
        } else if !guarding.pattern.isLiteral {
            log("purge-assets: --yes with the glob '\(assetId)' needs --expect-count \(assets.count) (the assets read)")
        }
        let purge = try AssetPurge(regionsOf: assets, client: { try aws.client(region: $0) }, guarding: guarding) {
            a, outcome in
            try printer.emitLine(AssetPurge.line(a, outcome))
        }
        purge.dryRun = !yes
        purge.stackTimeout = stackTimeout
        try purge.run(assets)
    }
}

ToolMain.run(PurgeAssets.self)
