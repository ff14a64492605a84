import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct AmiExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ami-export",
        abstract: "Make the release's AMI, export it as VMDK, VHD and RAW side by side, rename the files on the server.",
        subcommands: [MakeImage.self, Export.self, MakePublic.self, Rename.self])
}

struct MakeImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Make an AMI from an instance (an AMI of that name already there is reused), tagged, and wait until available.",
        discussion: """
        The image and its snapshots carry the asset-id tag. Prints {"ImageId","Name","SnapshotIds","State"};
        a failed AMI exits 1 with its StateReason.
        """)

    @Option(name: .long, help: "The instance to image.")
    var instanceId: String

    @Option(name: .long, help: "AMI name (unique in the account and Region).")
    var name: String

    @Option(name: .long, help: "The release's asset-id, tagged on the image and its snapshots.")
    var assetId: String

    @Option(name: .long, help: "AMI description.")
    var description: String?

    @Flag(name: .long, help: "Do not reboot the instance (the file system may be inconsistent).")
    var noReboot = false

    @Option(name: .long, help: "Seconds to wait for the image (default 3600).")
    var timeout: Double = 3600

    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        let assetId = try AssetConventions.validate(assetId: assetId)
        try Images.validate(name: name, flag: "--name")
        guard timeout > 0 else { throw ToolError.usage("--timeout must be a positive number of seconds") }
        let client = try aws.client()
        let tagKey = assets.resolvedTagKey(client.environment)
        let images = Images(client)
        let id: String
        if let existing = try images.find(name: name) {
            if let owner = existing.tags[tagKey], owner != assetId {
                throw ToolError.remote("AMI \(existing.id) named '\(name)' belongs to \(tagKey) \(owner); choose another --name")
            }
            log("image \(existing.id): '\(name)' already exists, reused")
            id = existing.id
        } else {
            id = try images.create(instanceId: instanceId, name: name, description: description, noReboot: noReboot,
                                   tags: [(tagKey, assetId)])
            log("image \(id): creating from \(instanceId)\(noReboot ? " without reboot" : "")")
        }
        let image = try images.waitAvailable(id: id, timeout: timeout)
        // Tagged again now that the snapshots exist: a reused image, or one made where snapshots
        // cannot be tagged at creation, gets them too.
        try Tags(client).tag([image.id] + image.snapshotIds, [(tagKey, assetId)])
        try printer.emit(image.json)
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an AMI to S3 in one or more formats side by side, and rename the files to <prefix><name>.<fmt>.",
        discussion: """
        The image comes from --image-id, or from the output of `ami-export image` on stdin
        ({"ImageId","Name",…}; read only when --image-id is not given).
        AWS runs one export per AMI at a time: each format beyond the first is exported from its own
        copy of the AMI (named <ami-name>-<fmt>, tagged, removed when its export ends). A format
        whose AMI is already being exported by another process (make -j, one format per process)
        gets its own copy the same way. --sequential exports from the one AMI, one format after the
        other.
        A re-run reuses the asset's export tasks (active or completed) instead of starting new ones.
        Prints [{"Format","ExportImageTaskId","Bucket","Key","Size","Url"}]. SIGINT/SIGTERM cancels
        the tasks this run started and removes the copies (exit 130/143).
        """)

    @Option(name: .long, help: "The AMI to export.")
    var imageId: String?

    @Option(name: .long, help: "Base name of the files (default: the AMI's name).")
    var name: String?

    @Option(name: .customLong("format"), help: "vmdk, vhd or raw (repeatable).")
    var formats: [String] = []

    @Option(name: .long, help: "The export bucket.")
    var bucket: String

    @Option(name: .long, help: "Key prefix of the files (default: <images-prefix>/<asset-id>/).")
    var prefix: String?

    @Option(name: .long, help: "The VM Import/Export service role (default vmimport).")
    var role = "vmimport"

    @Option(name: .long, help: "The release's asset-id, tagged on the export tasks and AMI copies.")
    var assetId: String

    @Option(name: .long, help: "Text put before the export tasks' description.")
    var description: String?

    @Flag(name: .long, help: "Export the formats one after the other from the one AMI.")
    var sequential = false

    @Option(name: .long, help: "CloudFront domain of the bucket's distribution, for the Url field.")
    var cloudfrontDomain: String?

    @Option(name: .long, help: "Seconds to wait for the exports (default 14400).")
    var timeout: Double = 14400

    @OptionGroup var copy: CopyOptions
    @OptionGroup var assets: AssetOptions
    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        let assetId = try AssetConventions.validate(assetId: assetId)
        guard !formats.isEmpty else { throw ToolError.usage("give at least one --format (vmdk, vhd or raw)") }
        var chosen: [DiskFormat] = []
        for f in formats {
            guard let format = DiskFormat(rawValue: f.lowercased()) else {
                throw ToolError.usage("unknown --format '\(f)': expected vmdk, vhd or raw")
            }
            guard !chosen.contains(format) else { throw ToolError.usage("--format \(f) is given twice") }
            chosen.append(format)
        }
        guard !bucket.isEmpty else { throw ToolError.usage("--bucket must not be empty") }
        guard timeout > 0 else { throw ToolError.usage("--timeout must be a positive number of seconds") }
        if let name, name.isEmpty || name.contains("/") { throw ToolError.usage("invalid --name '\(name)': a file base name, not empty, without /") }
        let copier = try copy.copier()
        var imageId = self.imageId
        var imageName: String?
        if imageId == nil {
            let input = try Fields(try Input.json(required: true, what: "--image-id or the output of `ami-export image`")!, what: "input")
            try input.rejectUnknownKeys(allowed: ["ImageId", "Name", "SnapshotIds", "State"])
            imageId = try input.requiredString("ImageId")
            imageName = try input.string("Name")
        }
        let client = try aws.client()
        let prefix = self.prefix ?? AssetConventions.imagesKeyPrefix(imagesPrefix: assets.resolvedImagesPrefix(client.environment), assetId: assetId)

        let base = try Images(client).describe(id: imageId!)
        guard let base, base.state == "available" else {
            throw ToolError.remote("image \(imageId!) is \(base?.state ?? "not found"); make it with `ami-export image` first")
        }
        let plan = ExportPlan(baseImage: base, name: name ?? imageName ?? base.name, formats: chosen, bucket: bucket,
                              prefix: prefix, roleName: role, tagKey: assets.resolvedTagKey(client.environment),
                              assetId: assetId, description: description, sequential: sequential,
                              cloudfrontDomain: cloudfrontDomain, timeout: timeout, renamer: copier)
        try printer.emit(try ExportRun(client: client, plan: plan).run())
    }
}

struct MakePublic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-public",
        abstract: "Give every AWS account launch permission on an AMI.",
        discussion: """
        Prints {"ImageId","Public":true}. When the Region's public-AMI quota or the account's block
        public access for AMIs refuses, the error says which.
        """)

    @Option(name: .long, help: "The AMI.")
    var imageId: String

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        try Images(try aws.client()).makePublic(id: imageId)
        try printer.emit(["ImageId": .string(imageId), "Public": true])
    }
}

struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename",
        abstract: "Rename an S3 object on the server (CopyObject, or UploadPartCopy parts above the threshold).",
        discussion: """
        Prints {"Bucket","Key","Size","Parts"}; stderr says how many body bytes passed through this
        process (only XML: the object's bytes stay in S3).
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

    func run() throws {
        let printer = try output.printer()
        guard !bucket.isEmpty, !key.isEmpty, !to.isEmpty else { throw ToolError.usage("--bucket, --key and --to must not be empty") }
        let copier = try copy.copier()
        let outcome = try copier.run(try aws.client(), bucket: bucket, from: key, to: to)
        log("rename: \(outcome.bodyBytes) body bytes through this process for \(outcome.size) bytes copied")
        try printer.emit(["Bucket": .string(bucket), "Key": .string(to), "Size": .number(Double(outcome.size)),
                          "Parts": outcome.parts.map { .number(Double($0)) } ?? .null])
    }
}

/// How the server-side rename copies: flags, so tests can make the multipart path run on small objects.
struct CopyOptions: ParsableArguments {
    @Option(name: .long, help: "Copy in parts above this size, bytes or with K/M/G/MiB… (default 5GiB, CopyObject's limit).")
    var copyThreshold = "5GiB"

    @Option(name: .long, help: "Part size of a multipart copy (default 512MiB; 5MiB to 5GiB).")
    var partSize = "512MiB"

    @Option(name: .long, help: "Parts copied at once (default 8).")
    var copyParallelism = 8

    func copier() throws -> S3Rename {
        let copier = S3Rename(threshold: try ByteSize.parse(copyThreshold, flag: "--copy-threshold"),
                            partSize: try ByteSize.parse(partSize, flag: "--part-size"), parallelism: copyParallelism)
        try copier.validate()
        return copier
    }
}

ToolMain.run(AmiExport.self)
