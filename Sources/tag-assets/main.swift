import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct TagAssets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag-assets",
        abstract: "Tag EC2 resources with an asset-id, for what could not be tagged at creation.",
        discussion: """
            Reads resource ids on stdin: a JSON array of strings or of objects with "id", or JSON lines \
            of either. Tags them with CreateTags in batches (repeating it changes nothing) and prints the \
            array of ids it tagged. No ids at all is valid and tags nothing.
            """)

    @Option(name: .long, help: "The asset-id to tag with, e.g. 1.2.0.")
    var assetId: AssetId

    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        let ids = try Tags.resourceIds(Input.list(what: "resource ids"))
        let client = try aws.client()
        try Tags(client).tag(ids, [(assets.resolvedTagKey(client.environment), assetId.value)])
        try printer.emit(.array(ids.map(JSON.string)))
    }
}

ToolMain.run(TagAssets.self)
