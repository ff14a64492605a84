import AWSCore

/// EC2 key pairs: made with the private key going to a file (mode 0600) and nowhere else,
/// found, and deleted.
public struct KeyPairs {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    public struct Created {
        public var name: String
        public var id: String
        public var fingerprint: String
    }

    /// CreateKeyPair, tagged at creation, its private key written atomically to `keyFile`.
    /// A pair is never left without its file: when the file cannot be written, the call's answer
    /// was lost, or an interrupt arrives, the pair is deleted again before the error goes up.
    public func create(name: String, type: String, keyFile: String, tags: [(String, String)]) throws -> Created {
        // Checked first, so that a lost answer below can only mean our own pair: deleting by
        // name afterwards never touches somebody else's.
        if try find(name: name) != nil {
            throw ToolError.remote("key pair '\(name)' already exists; choose another --name or delete it first")
        }
        let p = KeyPairs.createRequest(name: name, type: type, tags: tags)
        var answer: JSON?
        var attempt = 1
        while answer == nil {
            do {
                answer = try Interrupt.lettingFinish(client.http) { try client.query("ec2", "CreateKeyPair", p.pairs) }
            } catch {
                // An AWS error is a refusal: nothing was made. Anything else may have made the
                // pair: remove it, and since the key material is lost with the answer, make it anew.
                if case ToolError.aws? = error as? ToolError { throw error }
                removeAfterFailure(name: name)
                if case ToolError.interrupted? = error as? ToolError { throw error }
                guard attempt < client.retry.maxAttempts else { throw error }
                attempt += 1
                log("key pair '\(name)': the answer was lost (\(error)); removed it, creating it again")
            }
        }
        guard let answer else { throw ToolError.remote("CreateKeyPair gave no answer") }
        let created = Created(
            name: answer["keyName"]?.string ?? name, id: answer["keyPairId"]?.string ?? "",
            fingerprint: answer["keyFingerprint"]?.string ?? "")
        do {
            guard let material = answer["keyMaterial"]?.string, !material.isEmpty else {
                throw ToolError.remote("CreateKeyPair answered without the private key")
            }
            var bytes = Array(material.utf8)
            // ssh-keygen wants the final newline.
            if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
            try writeFileAtomically(keyFile, bytes, mode: 0o600)
            try Interrupt.check()
        } catch {
            unlink(keyFile)
            removeAfterFailure(name: name)
            throw error
        }
        return created
    }

    /// CreateKeyPair's parameters, tagged at creation.
    static func createRequest(name: String, type: String, tags: [(String, String)]) -> QueryParams {
        var p = QueryParams()
        p.add("KeyName", name)
        p.add("KeyType", type)
        p.tagSpecifications(["key-pair"], tags: tags)
        return p
    }

    /// Whether `create` would be allowed (its request with DryRun).
    public func mayCreate(name: String, type: String, tags: [(String, String)]) throws -> DryRun {
        try client.dryRun("CreateKeyPair", KeyPairs.createRequest(name: name, type: type, tags: tags))
    }

    /// Best effort, with interrupts held off so the requests go out; the error that caused it
    /// is the one reported.
    private func removeAfterFailure(name: String) {
        Interrupt.cleaningUp {
            do { try delete(name: name) } catch {
                log(
                    "key pair '\(name)' may exist without its private key; delete it: aws ec2 delete-key-pair --key-name \(name) (\(error))"
                )
            }
        }
    }

    /// The pair of that name, or nil.
    public func find(name: String) throws -> KeyPair? {
        try list(filters: [("key-name", [name])]).first { $0.name == name }
    }

    /// The pair of that id, or nil (a filter, so a missing id is no error).
    public func find(id: String) throws -> KeyPair? {
        try list(filters: [("key-pair-id", [id])]).first { $0.id == id }
    }

    /// The pairs that match the EC2 filters (DescribeKeyPairs answers them all in one page).
    public func list(filters: [(String, [String])]) throws -> [KeyPair] {
        var p = QueryParams()
        p.filters(filters)
        return try client.query("ec2", "DescribeKeyPairs", p.pairs)["keySet"]?.list.map(KeyPair.init) ?? []
    }

    /// DeleteKeyPair succeeds whether or not the pair exists, so it is safe to repeat.
    public func delete(id: String) throws {
        _ = try client.query("ec2", "DeleteKeyPair", [("KeyPairId", id)], idempotent: true)
    }

    public func delete(name: String) throws {
        _ = try client.query("ec2", "DeleteKeyPair", [("KeyName", name)], idempotent: true)
    }
}
