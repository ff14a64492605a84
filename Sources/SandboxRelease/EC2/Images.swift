import AWSCore

/// Making, copying, finding, waiting for and removing AMIs.
public struct Images {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// AMI names: 3 to 128 of letters, digits and `()[] ./-'@_` (EC2's rule), checked before any request.
    public static func validate(name: String, flag: String) throws {
        let ok =
            (3...128).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "()[] ./-'@_".contains($0)) }
        guard ok else {
            throw ToolError.usage("invalid \(flag) '\(name)': an AMI name has 3 to 128 letters, digits or ()[] ./-'@_")
        }
    }

    /// The image with that id, or nil when AWS does not know it (any more).
    public func describe(id: String) throws -> Image? {
        var p = QueryParams()
        p.list("ImageId", [id])
        do {
            return try client.query("ec2", "DescribeImages", p.pairs)["imagesSet"]?.list.first.map(Image.init)
        } catch let ToolError.aws(e) where Images.isNotFound(e.code) {
            return nil
        }
    }

    /// The account's own image of that name: AMI names are unique per account and Region.
    public func find(name: String) throws -> Image? {
        try listOwned(filters: [("name", [name])]).first { $0.state != "deregistered" }
    }

    /// The account's own images that match the EC2 filters, across pages.
    public func listOwned(filters: [(String, [String])]) throws -> [Image] {
        try client.describeOwned("DescribeImages", filters: filters, list: "imagesSet").map(Image.init)
    }

    /// CreateImage with the tags on the image and its snapshots. The name is unique, so a
    /// retry that finds the name taken finds the image the first attempt made.
    public func create(instanceId: String, name: String, description: String?, noReboot: Bool, tags: [(String, String)])
        throws -> String
    {
        var p = QueryParams()
        p.add("InstanceId", instanceId)
        p.add("Name", name)
        p.add("Description", description)
        if noReboot { p.add("NoReboot", "true") }
        p.tagSpecifications(["image", "snapshot"], tags: tags)
        do {
            let answer = try Interrupt.lettingFinish(client.http) {
                try client.query("ec2", "CreateImage", p.pairs, idempotent: true)
            }
            guard let id = answer["imageId"]?.string else {
                throw ToolError.remote("CreateImage answered without an image id")
            }
            return id
        } catch let ToolError.aws(e) where e.code == "InvalidAMIName.Duplicate" {
            guard let image = try find(name: name) else { throw ToolError.aws(e) }
            return image.id
        }
    }

    /// CopyImage within the Region, tagged like the source's asset.
    public func copy(
        sourceId: String, name: String, description: String?, tags: [(String, String)], clientToken: String
    ) throws -> String {
        var p = copyRequest(sourceId: sourceId, name: name, description: description, tags: tags)
        p.add("ClientToken", clientToken)
        let answer = try Interrupt.lettingFinish(client.http) { try client.query("ec2", "CopyImage", p.pairs) }
        guard let id = answer["imageId"]?.string else {
            throw ToolError.remote("CopyImage answered without an image id")
        }
        return id
    }

    /// CopyImage's parameters within the Region (without the client token).
    func copyRequest(sourceId: String, name: String, description: String?, tags: [(String, String)]) -> QueryParams {
        var p = QueryParams()
        p.add("SourceImageId", sourceId)
        p.add("SourceRegion", client.region)
        p.add("Name", name)
        p.add("Description", description)
        p.tagSpecifications(["image", "snapshot"], tags: tags)
        return p
    }

    /// Whether `copy` would be allowed (its request with DryRun).
    public func mayCopy(sourceId: String, name: String, tags: [(String, String)]) throws -> DryRun {
        try client.dryRun("CopyImage", copyRequest(sourceId: sourceId, name: name, description: nil, tags: tags))
    }

    /// ModifyImageAttribute ImdsSupport v2.0: the AMI's instances require IMDSv2 (session tokens
    /// for the metadata service). AWS allows no way back, and setting it again changes nothing.
    public func requireIMDSv2(id: String) throws {
        _ = try client.query(
            "ec2", "ModifyImageAttribute", [("ImageId", id), ("ImdsSupport.Value", "v2.0")], idempotent: true)
    }

    /// One look at an image for a wait: done when available, an error when it failed or vanished.
    public func poll(id: String) throws -> Waiter.Poll<Image> {
        guard let image = try describe(id: id) else {
            throw ToolError.remote("image \(id) no longer exists; make it again")
        }
        switch image.state {
        case "available": return .done(image)
        case "failed", "invalid", "error", "deregistered":
            throw ToolError.remote("image \(id) \(image.state): \(image.stateReason ?? "no reason given")")
        default: return .pending(image.state)
        }
    }

    /// Waits until the image is available, with a line on stderr at every change of state.
    public func waitAvailable(id: String, timeout: Double) throws -> Image {
        try Waiter("image \(id)", timeout: timeout, firstDelay: 2, maxDelay: 15).wait { try poll(id: id) }
    }

    /// Deregisters the image, then deletes each of its snapshots. What is already gone
    /// counts as removed, so a repeated removal succeeds.
    public func remove(_ image: Image) throws {
        try deregister(id: image.id)
        for snapshot in image.snapshotIds { try Snapshots(client).delete(id: snapshot) }
    }

    /// DeregisterImage; false when the image was already gone, so a repeated removal succeeds.
    @discardableResult
    public func deregister(id: String) throws -> Bool {
        do {
            _ = try client.query("ec2", "DeregisterImage", [("ImageId", id)], idempotent: true)
            return true
        } catch let ToolError.aws(e) where Images.isNotFound(e.code) {
            return false
        }
    }

    /// EC2's codes for an image id that names no image (InvalidAMIID.NotFound, .Unavailable, …).
    static func isNotFound(_ code: String) -> Bool { code.hasPrefix("InvalidAMIID") }

    /// Launch permission for everyone, then the tag `published=true` on the image and its
    /// snapshots, which purge-assets leaves alone without --include-published. With `owner`, an
    /// image that is not that release's is refused before anything changes. When AWS refuses,
    /// the error says whether the Region's public-AMI quota or the account's block public access
    /// for AMIs is the reason.
    public func makePublic(id: String, owner: ReleaseOwnership?) throws {
        if let owner {
            guard let before = try describe(id: id) else {
                throw ToolError.remote("image \(id) does not exist (InvalidAMIID.NotFound); nothing to publish")
            }
            if let refused = owner.refusal("image \(id)", tags: before.tags, forceDoes: "makes it public") {
                throw ToolError.usage("\(refused); nothing was changed")
            }
        }
        try grantLaunchToAll(id: id)
        guard let image = try describe(id: id) else {
            throw ToolError.remote("image \(id) no longer exists; nothing to publish")
        }
        try Tags(client).tag([id] + image.snapshotIds, [AssetGuard.publishedTag])
    }

    private func grantLaunchToAll(id: String) throws {
        var p = QueryParams()
        p.add("ImageId", id)
        p.add("LaunchPermission.Add.1.Group", "all")
        do {
            _ = try client.query("ec2", "ModifyImageAttribute", p.pairs, idempotent: true)
        } catch let ToolError.aws(e) {
            if e.code == "ResourceLimitExceeded"
                || e.message.lowercased().contains("public") && e.message.lowercased().contains("limit")
            {
                throw ToolError.remote(
                    "\(e); the public-AMI quota of \(client.region) is used up: make an older public AMI private, or ask for a higher 'Public AMIs' quota in Service Quotas"
                )
            }
            if (try? client.query("ec2", "GetImageBlockPublicAccessState")["imageBlockPublicAccessState"]?.string)
                == "block-new-sharing"
            {
                throw ToolError.remote(
                    "\(e); block public access for AMIs is on in \(client.region): turn it off (aws ec2 disable-image-block-public-access) and run again"
                )
            }
            throw ToolError.aws(e)
        }
    }
}
