import AWSCore

/// `keypair create` and `keypair delete`: a release's EC2 key pair together with its private
/// key file, and the JSON both print (`keypair delete` reads what `create` printed).
public enum ReleaseKeyPair {
    /// The fields of `keypair create`'s output.
    public static let fields: Set<String> = ["KeyName", "KeyPairId", "KeyFile", "AssetId", "Fingerprint"]

    /// Key pair names: at most 255 ASCII characters, checked before any request.
    public static func validate(name: String) throws {
        guard !name.isEmpty, name.count <= 255, name.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw ToolError.usage("invalid --name '\(name)': at most 255 ASCII characters")
        }
    }

    /// Makes the pair tagged with the asset-id and the project, its private key in `keyFile` only.
    /// Prints-ready: `{"KeyName","KeyPairId","KeyFile","AssetId","Fingerprint"}`.
    public static func create(
        _ client: AWSClient, name: String, type: String, keyFile: KeyFile,
        tagKey: String, assetId: String
    ) throws -> JSON {
        let created = try KeyPairs(client).create(
            name: name, type: type, keyFile: keyFile.path, tags: AssetConventions.tags(tagKey: tagKey, assetId: assetId)
        )
        return [
            "KeyName": .string(created.name), "KeyPairId": .string(created.id), "KeyFile": .string(keyFile.path),
            "AssetId": .string(assetId), "Fingerprint": .string(created.fingerprint),
        ]
    }

    /// Deletes the pair (by id when known, else by name) and the key file; what is already gone
    /// is a success. With `owner`, a pair that is not that release's is refused (exit 2) and
    /// nothing is deleted, the file neither. `{"KeyName","KeyPairId","KeyFile",
    /// "KeyPair":"deleted"|"already gone","File":"removed"|"already gone"|null}`.
    public static func delete(
        _ client: AWSClient, name: String?, id: String?, keyFile: KeyFile?, owner: ReleaseOwnership?
    ) throws -> JSON {
        if let keyFile { try keyFile.checkRemovable() }
        let pairs = KeyPairs(client)
        var id = id
        var pairOutcome = "already gone"
        let existing = try id.map { try pairs.find(id: $0) } ?? name.flatMap { try pairs.find(name: $0) }
        if let existing {
            if let refused = owner?.refusal("key pair \(existing.name)", tags: existing.tags, forceDoes: "deletes it") {
                throw ToolError.usage("\(refused); nothing was deleted")
            }
            try pairs.delete(id: existing.id)
            id = existing.id
            pairOutcome = "deleted"
        } else {
            log("keypair: key pair \(name ?? id ?? "") was already gone")
        }
        var fileOutcome: JSON = .null
        if let keyFile {
            if keyFile.remove() {
                fileOutcome = "removed"
            } else {
                log("keypair: key file \(keyFile.path) was already gone")
                fileOutcome = "already gone"
            }
        }
        return [
            "KeyName": JSON(name), "KeyPairId": JSON(id), "KeyFile": JSON(keyFile?.path),
            "KeyPair": .string(pairOutcome), "File": fileOutcome,
        ]
    }
}
