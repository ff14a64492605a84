import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct AmiExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ami-export",
        abstract:
            "Make the release's AMI, export it as VMDK, VHD and RAW side by side, rename the files on the server.",
        version: ToolVersion.text,
        subcommands: [MakeImage.self, Export.self, MakePublic.self, Rename.self])
}

struct MakeImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract:
            "Make an AMI from an instance (an AMI of that name already there is reused), tagged, and wait until available.",
        discussion: """
            The image and its snapshots carry the asset-id and project tags; its instances require \
            IMDSv2 (ImdsSupport v2.0). Prints {"ImageId","Name","SnapshotIds","State","ImdsSupport"}; \
            a failed AMI exits 1 with its StateReason.
            """)

    @Option(name: .long, help: "The instance to image.")
    var instanceId: String

    @Option(name: .long, help: "AMI name (unique in the account and Region).")
    var name: String

    @Option(
        name: .long, help: "The release's asset-id, tagged on the image and its snapshots.", transform: AssetId.parse)
    var assetId: AssetId

    @Option(name: .long, help: "AMI description.")
    var description: String?

    @Flag(name: .long, help: "Do not reboot the instance (the file system may be inconsistent).")
    var noReboot = false

    @Option(
        name: .long, parsing: .unconditional, help: "Seconds to wait for the image.", transform: NumberArgument.seconds)
    var timeout: Double = 3600

    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Images.validate(name: name, flag: "--name")
    }

    func run() throws {
        let printer = try output.printer()
        let client = try aws.client()
        let image = ReleaseImage(
            instanceId: instanceId, name: name, description: description, noReboot: noReboot,
            tagKey: assets.resolvedTagKey(client.environment), assetId: assetId.value, timeout: timeout)
        try printer.emit(image.make(client).json)
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Export an AMI to S3 in one or more formats side by side, into the staging prefix.",
        usage:
            "ami-export export --format <format> ... --bucket <bucket> --asset-id <asset-id> [--image-id <image-id>] [<options>]",
        discussion: """
            The image comes from --image-id, or from the output of `ami-export image` on stdin \
            ({"ImageId","Name",…}; read only when --image-id is not given).
            AWS runs one export per AMI at a time: each format beyond the first is exported from its own \
            copy of the AMI (named <ami-name>-<fmt>, tagged, removed when its export ends). A format \
            whose AMI is already being exported by another process (make -j, one format per process) \
            gets its own copy the same way. --sequential exports from the one AMI, one format after the \
            other.
            A re-run reuses the asset's export tasks (active or completed) instead of starting new ones. \
            Prints [{"Format","ExportImageTaskId","Bucket","Key","Size","PublishKey","Url"}]: Key is the \
            file ExportImage wrote (<prefix><task-id>.<fmt>, or PublishKey once moved there), PublishKey \
            where the release moves it after verifying it (`ami-export rename`), \
            <images-prefix>/<asset-id>/<name>.<fmt>, and Url its CloudFront address there. \
            SIGINT/SIGTERM cancels the tasks this run started and removes the copies (exit 130/143).
            """)

    @Option(name: .long, help: "The AMI to export.")
    var imageId: String?

    @Option(name: .long, help: "Base name of the files (default: the AMI's name).")
    var name: String?

    @Option(name: .customLong("format"), help: "vmdk, vhd or raw (repeatable).")
    var formats: [DiskFormat] = []

    @Option(name: .long, help: "The export bucket.")
    var bucket: String

    @Option(name: .long, help: "Key prefix ExportImage writes under (default: <staging-prefix>/<asset-id>/).")
    var prefix: String?

    @Option(name: .long, help: "The VM Import/Export service role.")
    var role = "vmimport"

    @Option(
        name: .long, help: "The release's asset-id, tagged on the export tasks and AMI copies.",
        transform: AssetId.parse)
    var assetId: AssetId

    @Option(name: .long, help: "Text put before the export tasks' description.")
    var description: String?

    @Flag(name: .long, help: "Export the formats one after the other from the one AMI.")
    var sequential = false

    @Option(name: .long, help: "CloudFront domain of the bucket's distribution, for the Url field.")
    var cdnDomain: String?

    /// The flag's earlier name, still accepted.
    @Option(name: .customLong("cloudfront-domain"), help: .hidden)
    var cloudfrontDomain: String?

    @Option(
        name: .long, parsing: .unconditional, help: "Seconds to wait for the exports.",
        transform: NumberArgument.seconds)
    var timeout: Double = 14400

    @OptionGroup var assets: AssetOptions
    @OptionGroup var images: ImagesPrefixOption
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !formats.isEmpty else { throw ToolError.usage("give at least one --format (vmdk, vhd or raw)") }
        if let twice = formats.enumerated().first(where: { formats[..<$0.offset].contains($0.element) })?.element {
            throw ToolError.usage("--format \(twice.rawValue) is given twice")
        }
        guard !bucket.isEmpty else { throw ToolError.usage("--bucket must not be empty") }
        if let name, name.isEmpty || name.contains("/") {
            throw ToolError.usage("invalid --name '\(name)': a file base name, not empty, without /")
        }
        if cdnDomain != nil, cloudfrontDomain != nil {
            throw ToolError.usage("give --cdn-domain once (--cloudfront-domain is its old name)")
        }
    }

    func run() throws {
        let printer = try output.printer()
        var imageId = self.imageId
        var imageName: String?
        if imageId == nil {
            let input = try Fields(
                try Input.json(required: true, what: "--image-id or the output of `ami-export image`")!, what: "input")
            try input.rejectUnknownKeys(allowed: Image.jsonKeys)
            imageId = try input.requiredString("ImageId")
            imageName = try input.string("Name")
        }
        let client = try aws.client()
        let env = client.environment
        let plan = ExportPlan(
            imageId: imageId!, name: name ?? imageName, formats: formats, bucket: bucket,
            prefix: prefix ?? images.stagingKeyPrefix(assetId: assetId.value, env),
            publishPrefix: images.keyPrefix(assetId: assetId.value, env), roleName: role,
            tagKey: assets.resolvedTagKey(env), assetId: assetId.value, description: description,
            sequential: sequential, cdnDomain: cdnDomain ?? cloudfrontDomain, timeout: timeout)
        try printer.emit(try ExportRun(client: client, plan: plan).run())
    }
}

struct MakePublic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-public",
        abstract: "Give every AWS account launch permission on a release's AMI.",
        discussion: """
            Only an AMI tagged with the project and --asset-id is made public; any other is refused \
            (exit 2, naming its asset-id), unless --force. Prints {"ImageId","Public":true}. When the \
            Region's public-AMI quota or the account's block public access for AMIs refuses, the error \
            says which.
            """)

    @Option(name: .long, help: "The AMI.")
    var imageId: String

    @Option(name: .long, help: "The release the AMI must belong to.", transform: AssetId.parse)
    var assetId: AssetId?

    @Flag(name: .long, help: "Make the AMI public whatever its tags.")
    var force = false

    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard force || assetId != nil else {
            throw ToolError.usage("give --asset-id, the release the AMI belongs to, or --force")
        }
    }

    func run() throws {
        let printer = try output.printer()
        let client = try aws.client()
        let owner = assetId.map {
            ReleaseOwnership(tagKey: assets.resolvedTagKey(client.environment), assetId: $0.value)
        }
        try Images(client).makePublic(id: imageId, owner: force ? nil : owner)
        try printer.emit(["ImageId": .string(imageId), "Public": true])
    }
}

struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename",
        abstract: "Rename an S3 object on the server (CopyObject, or UploadPartCopy parts above the threshold).",
        discussion: """
            Prints {"Bucket","Key","Size","Parts"}; stderr says how many body bytes passed through this \
            process (only XML: the object's bytes stay in S3). In a versioned bucket the source is \
            deleted by its version id, so no noncurrent copy of it stays. Run again after a rename that \
            was done (the source gone, the target there), it reports the target.
            """)

    @Option(name: .long, help: "The bucket.")
    var bucket: String

    @Option(name: .long, help: "The object's key.")
    var key: String

    @Option(name: .long, help: "The new key.")
    var to: String

    @OptionGroup var copy: CopyOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !bucket.isEmpty, !key.isEmpty, !to.isEmpty else {
            throw ToolError.usage("--bucket, --key and --to must not be empty")
        }
    }

    func run() throws {
        let printer = try output.printer()
        let outcome = try copy.renamer.run(try aws.client(), bucket: bucket, from: key, to: to)
        log("rename: \(outcome.bodyBytes) body bytes through this process for \(outcome.size) bytes copied")
        try printer.emit(outcome.json(bucket: bucket, key: to))
    }
}

ToolMain.run(AmiExport.self)
