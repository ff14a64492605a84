import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct Keypair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keypair",
        abstract: "Make or remove a release's EC2 key pair and its private key file.",
        subcommands: [Create.self, Delete.self])
}

/// The key file as an absolute path, so that `keypair delete` finds it from anywhere.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (cwd == "/" ? "" : cwd) + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
}

extension Keypair {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key pair tagged with the asset-id; the private key goes to --key-file (0600) only.",
            discussion: """
            Prints {"KeyName","KeyPairId","KeyFile","AssetId","Fingerprint"}, which `keypair delete` reads. \
            The private key is never printed. If the file cannot be written the pair is deleted again.
            """)

        enum KeyType: String, ExpressibleByArgument, CaseIterable { case ed25519, rsa }

        @Option(name: .long, help: "The release's asset-id, e.g. 1.2.0.")
        var assetId: String

        @Option(name: .long, help: "Where to write the private key (must not exist yet).")
        var keyFile: String

        @Option(name: .long, help: "Key pair name (default: sandbox-<asset-id>-<random>).")
        var name: String?

        @Option(name: .long, help: "ed25519 or rsa.")
        var type: KeyType = .ed25519

        @OptionGroup var assets: AssetOptions
        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let printer = try output.printer()
            let assetId = try AssetConventions.validate(assetId: assetId)
            let name = name ?? AssetConventions.keyPairName(assetId: assetId)
            guard !name.isEmpty, name.count <= 255, name.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
                throw ToolError.usage("invalid --name '\(name)': at most 255 ASCII characters")
            }
            let file = absolutePath(keyFile)
            if access(file, F_OK) == 0 { throw ToolError.usage("\(file) already exists; choose another --key-file or remove it") }
            let dir = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            guard access(dir.isEmpty ? "/" : dir, W_OK) == 0 else {
                throw ToolError.usage("cannot write the key file in \(dir): the folder does not exist or is not writable")
            }
            let client = try aws.client()
            let created = try KeyPairs(client).create(name: name, type: type.rawValue, keyFile: file,
                                                      tags: [(assets.resolvedTagKey(processEnvironment()), assetId)])
            try printer.emit(["KeyName": .string(created.name), "KeyPairId": .string(created.id), "KeyFile": .string(file),
                              "AssetId": .string(assetId), "Fingerprint": .string(created.fingerprint)])
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a key pair and its key file; what is already gone is a success.",
            discussion: """
            Reads the JSON of `keypair create` on stdin, or takes --name (and --key-file). Prints \
            {"KeyName","KeyPairId","KeyFile","KeyPair":"deleted"|"already gone","File":"removed"|"already gone"|null}.
            """)

        @Option(name: .long, help: "Key pair name (instead of JSON on stdin).")
        var name: String?

        @Option(name: .long, help: "The private key file to remove, with --name.")
        var keyFile: String?

        @OptionGroup var aws: AWSOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let printer = try output.printer()
            var name = self.name, id: String?, file = keyFile.map(absolutePath)
            if name == nil {
                guard let input = try Input.json(required: true, what: "the output of keypair create") else { return }
                let f = try Fields(input, what: "key pair")
                try f.rejectUnknownKeys(allowed: ["KeyName", "KeyPairId", "KeyFile", "AssetId", "Fingerprint"])
                name = try f.string("KeyName")
                id = try f.string("KeyPairId")
                file = try f.string("KeyFile").map(absolutePath)
                if name == nil && id == nil { throw ToolError.usage("key pair: missing 'KeyName' (or 'KeyPairId')") }
            }
            if let file { try checkKeyFile(file) }

            let pairs = KeyPairs(try aws.client())
            var pairOutcome = "already gone"
            let existing = try id.map { try pairs.existingIds([$0]).first } ?? pairs.find(name: name!)?.id
            if let existing {
                try pairs.delete(id: existing)
                id = existing
                pairOutcome = "deleted"
            } else {
                log("keypair: key pair \(name ?? id!) was already gone")
            }
            var fileOutcome: JSON = .null
            if let file {
                if unlink(file) == 0 {
                    fileOutcome = "removed"
                } else {
                    log("keypair: key file \(file) was already gone")
                    fileOutcome = "already gone"
                }
            }
            try printer.emit(["KeyName": JSON(name), "KeyPairId": JSON(id), "KeyFile": JSON(file),
                              "KeyPair": .string(pairOutcome), "File": fileOutcome])
        }

        /// Only a private key file is removed: a wrong path must not cost somebody another file.
        func checkKeyFile(_ file: String) throws {
            var st = stat()
            guard stat(file, &st) == 0 else { return } // already gone: fine
            let marker = Array("-----BEGIN ".utf8)
            var head = [UInt8](repeating: 0, count: marker.count)
            let fd = open(file, O_RDONLY)
            let n = fd < 0 ? -1 : read(fd, &head, head.count)
            if fd >= 0 { close(fd) }
            guard st.st_mode & S_IFMT == S_IFREG, n == marker.count, head == marker else {
                throw ToolError.usage("\(file) is not a private key file; not removing it (check KeyFile)")
            }
        }
    }
}

ToolMain.run(Keypair.self)
