import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct TagAssets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag-assets",
        abstract: "Tag EC2 resources with an asset-id, for what could not be tagged at creation.",
        discussion: """
            Reads resource ids on stdin: a JSON array, or JSON lines, of strings or of objects holding \
            them: list-assets' entries ("Id"), the output of `ami-export image` ("ImageId", \
            "SnapshotIds"), of `keypair create` ("KeyPairId") or the entries of `ami-export export` \
            ("ExportImageTaskId"); other fields are ignored. Only the project's resources (tag \
            project=data-science-sandbox) that carry no other asset-id are tagged: anything else is \
            refused before any tag changes (exit 2, naming it), unless --force. Tags them with \
            CreateTags in batches (repeating it changes nothing) and prints the array of ids it \
            tagged. No ids at all is valid and tags nothing.
            """,
        version: ToolVersion.text)

    @Option(name: .long, help: "The asset-id to tag with, e.g. 1.2.0.", transform: AssetId.parse)
    var assetId: AssetId

    @Flag(name: .long, help: "Tag them even when not the project's or tagged with another asset-id.")
    var force = false

    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        let ids = try Tags.resourceIds(Input.list(what: "resource ids"))
        let client = try aws.client()
        let tagKey = assets.resolvedTagKey(client.environment)
        if !force, !ids.isEmpty {
            let owner = ReleaseOwnership(tagKey: tagKey, assetId: assetId.value, untaggedIsFine: true)
            let live = try Tags(client).of(ids)
            let refused = ids.compactMap { owner.refusal($0, tags: live[$0] ?? [:], forceDoes: "tags it") }
            if let first = refused.first {
                let more = refused.count > 1 ? " (and \(refused.count - 1) more refused)" : ""
                throw ToolError.usage("\(first)\(more); nothing was tagged")
            }
        }
        try Tags(client).tag(ids, [(tagKey, assetId.value)])
        try printer.emit(.array(ids.map(JSON.string)))
    }
}

ToolMain.run(TagAssets.self)
