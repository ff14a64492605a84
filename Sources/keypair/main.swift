import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct Keypair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keypair",
        abstract: "Make or remove a release's EC2 key pair and its private key file.",
        version: ToolVersion.text,
        subcommands: [Create.self, Delete.self])
}

extension Keypair {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key pair tagged with the asset-id; the private key goes to --key-file (0600) only.",
            discussion: """
                Prints {"KeyName","KeyPairId","KeyFile","AssetId","Fingerprint"}, which `keypair delete` reads. \
                The pair carries the asset-id and project tags. The private key is never printed. If the file cannot be written the pair is deleted again.
                """)

        enum KeyType: String, ExpressibleByArgument, CaseIterable { case ed25519, rsa }

        @Option(name: .long, help: "The release's asset-id, e.g. 1.2.0.", transform: AssetId.parse)
        var assetId: AssetId

        @Option(name: .long, help: "Where to write the private key (must not exist yet).")
        var keyFile: String

        @Option(name: .long, help: "Key pair name (default: sandbox-<asset-id>-<random>).")
        var name: String?

        @Option(name: .long, help: "ed25519 or rsa.")
        var type: KeyType = .ed25519

        @OptionGroup var assets: AssetOptions
        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let name { try ReleaseKeyPair.validate(name: name) }
            try KeyFile(keyFile).checkNew()
        }

        func run() throws {
            let printer = try output.printer()
            let client = try aws.client()
            try printer.emit(
                ReleaseKeyPair.create(
                    client, name: name ?? AssetConventions.keyPairName(assetId: assetId.value),
                    type: type.rawValue, keyFile: KeyFile(keyFile),
                    tagKey: assets.resolvedTagKey(client.environment), assetId: assetId.value))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a release's key pair and its key file; what is already gone is a success.",
            discussion: """
                Reads the JSON of `keypair create` on stdin, or takes --name (and --key-file). Only a \
                pair tagged with the project and the release's asset-id (--asset-id, or "AssetId" on \
                stdin) is deleted; any other is refused (exit 2, naming its asset-id), unless --force. \
                Prints {"KeyName","KeyPairId","KeyFile","KeyPair":"deleted"|"already gone",\
                "File":"removed"|"already gone"|null}.
                """)

        @Option(name: .long, help: "Key pair name (instead of JSON on stdin).")
        var name: String?

        @Option(name: .long, help: "The private key file to remove, with --name.")
        var keyFile: String?

        @Option(
            name: .long, help: "The release the pair must belong to (default: \"AssetId\" on stdin).",
            transform: AssetId.parse)
        var assetId: AssetId?

        @Flag(name: .long, help: "Delete the pair whatever its tags.")
        var force = false

        @OptionGroup var assets: AssetOptions
        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let printer = try output.printer()
            var name = self.name, id: String?, file = keyFile.map(KeyFile.init), assetId = self.assetId?.value
            if name == nil {
                guard let input = try Input.json(required: true, what: "the output of keypair create") else { return }
                let f = try Fields(input, what: "key pair")
                try f.rejectUnknownKeys(allowed: ReleaseKeyPair.fields)
                name = try f.string("KeyName")
                id = try f.string("KeyPairId")
                file = try f.string("KeyFile").map(KeyFile.init)
                assetId = try assetId ?? f.string("AssetId")
                if name == nil && id == nil { throw ToolError.usage("key pair: missing 'KeyName' (or 'KeyPairId')") }
            }
            guard force || assetId != nil else {
                throw ToolError.usage(
                    "give --asset-id, the release the key pair belongs to (or the JSON of keypair create), or --force")
            }
            let client = try aws.client()
            let owner =
                force
                ? nil
                : ReleaseOwnership(tagKey: assets.resolvedTagKey(client.environment), assetId: assetId ?? "")
            try printer.emit(ReleaseKeyPair.delete(client, name: name, id: id, keyFile: file, owner: owner))
        }
    }
}

ToolMain.run(Keypair.self)
