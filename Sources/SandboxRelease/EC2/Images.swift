import AWSCore

/// An AMI as the tools see it: its id, name, state (with the reason when it failed), the
/// snapshots behind it and its tags.
public struct Image {
    public var id: String
    public var name: String
    public var state: String
    public var stateReason: String?
    public var snapshotIds: [String]
    public var tags: [String: String]

    /// From an item of EC2's `imagesSet`.
    init(ec2 item: JSON) {
        id = item["imageId"]?.string ?? ""
        name = item["name"]?.string ?? ""
        state = item["imageState"]?.string ?? ""
        stateReason = item["stateReason"].flatMap { r in
            [r["code"]?.string, r["message"]?.string].compactMap { $0 }.joined(separator: ": ")
        }
        snapshotIds = (item["blockDeviceMapping"]?.list ?? []).compactMap { $0["ebs"]?["snapshotId"]?.string }
        tags = EC2Tags.decode(item["tagSet"])
    }

    /// The output of `ami-export image`, and what `export` accepts on stdin.
    public var json: JSON {
        ["ImageId": .string(id), "Name": .string(name), "SnapshotIds": .array(snapshotIds.map(JSON.string)), "State": .string(state)]
    }
}

/// EC2's tag lists (`tagSet` of `{key, value}`) as a dictionary.
public enum EC2Tags {
    static func decode(_ set: JSON?) -> [String: String] {
        var tags: [String: String] = [:]
        for t in set?.list ?? [] { if let k = t["key"]?.string { tags[k] = t["value"]?.string ?? "" } }
        return tags
    }
}

/// Making, copying, finding, waiting for and removing AMIs.
public struct Images {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// AMI names: 3 to 128 of letters, digits and `()[] ./-'@_` (EC2's rule), checked before any request.
    public static func validate(name: String, flag: String) throws {
        let ok = (3...128).contains(name.count)
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
        } catch let ToolError.aws(e) where e.code.hasPrefix("InvalidAMIID") {
            return nil
        }
    }

    /// The account's own image of that name: AMI names are unique per account and Region.
    public func find(name: String) throws -> Image? {
        var p = QueryParams()
        p.list("Owner", ["self"])
        p.filters([("name", [name])])
        return try client.query("ec2", "DescribeImages", p.pairs)["imagesSet"]?.list.map(Image.init)
            .first { $0.state != "deregistered" }
    }

    /// CreateImage with the tags on the image and its snapshots. The name is unique, so a
    /// retry that finds the name taken finds the image the first attempt made.
    public func create(instanceId: String, name: String, description: String?, noReboot: Bool, tags: [(String, String)]) throws -> String {
        var p = QueryParams()
        p.add("InstanceId", instanceId)
        p.add("Name", name)
        p.add("Description", description)
        if noReboot { p.add("NoReboot", "true") }
        p.tagSpecifications(["image", "snapshot"], tags: tags)
        do {
            guard let id = try client.query("ec2", "CreateImage", p.pairs, idempotent: true)["imageId"]?.string else {
                throw ToolError.remote("CreateImage answered without an image id")
            }
            return id
        } catch let ToolError.aws(e) where e.code == "InvalidAMIName.Duplicate" {
            guard let image = try find(name: name) else { throw ToolError.aws(e) }
            return image.id
        }
    }

    /// CopyImage within the Region, tagged like the source's asset.
    public func copy(sourceId: String, name: String, description: String?, tags: [(String, String)], clientToken: String) throws -> String {
        var p = QueryParams()
        p.add("SourceImageId", sourceId)
        p.add("SourceRegion", client.region)
        p.add("Name", name)
        p.add("Description", description)
        p.add("ClientToken", clientToken)
        p.tagSpecifications(["image", "snapshot"], tags: tags)
        guard let id = try client.query("ec2", "CopyImage", p.pairs)["imageId"]?.string else {
            throw ToolError.remote("CopyImage answered without an image id")
        }
        return id
    }

    /// Tags resources; repeating it changes nothing, so it is safe to retry.
    public func tag(_ resourceIds: [String], _ tags: [(String, String)]) throws {
        guard !resourceIds.isEmpty else { return }
        var p = QueryParams()
        p.list("ResourceId", resourceIds)
        for (i, t) in tags.enumerated() {
            p.add("Tag.\(i + 1).Key", t.0)
            p.add("Tag.\(i + 1).Value", t.1)
        }
        _ = try client.query("ec2", "CreateTags", p.pairs, idempotent: true)
    }

    /// One look at an image for a wait: done when available, an error when it failed or vanished.
    public func poll(id: String) throws -> Waiter.Poll<Image> {
        guard let image = try describe(id: id) else { throw ToolError.remote("image \(id) no longer exists; make it again") }
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

    /// DeregisterImage, then DeleteSnapshot for each of its snapshots. What is already gone
    /// counts as removed, so a repeated removal succeeds.
    public func remove(_ image: Image) throws {
        var p = QueryParams()
        p.add("ImageId", image.id)
        do {
            _ = try client.query("ec2", "DeregisterImage", p.pairs, idempotent: true)
        } catch let ToolError.aws(e) where e.code.hasPrefix("InvalidAMIID") {}
        for snapshot in image.snapshotIds {
            var s = QueryParams()
            s.add("SnapshotId", snapshot)
            do {
                _ = try client.query("ec2", "DeleteSnapshot", s.pairs, idempotent: true)
            } catch let ToolError.aws(e) where e.code == "InvalidSnapshot.NotFound" {}
        }
    }

    /// Launch permission for everyone. When AWS refuses, the error says whether the Region's
    /// public-AMI quota or the account's block public access for AMIs is the reason.
    public func makePublic(id: String) throws {
        var p = QueryParams()
        p.add("ImageId", id)
        p.add("LaunchPermission.Add.1.Group", "all")
        do {
            _ = try client.query("ec2", "ModifyImageAttribute", p.pairs, idempotent: true)
        } catch let ToolError.aws(e) {
            if e.code == "ResourceLimitExceeded" || e.message.lowercased().contains("public") && e.message.lowercased().contains("limit") {
                throw ToolError.remote("\(e); the public-AMI quota of \(client.region) is used up: make an older public AMI private, or ask for a higher 'Public AMIs' quota in Service Quotas")
            }
            if (try? client.query("ec2", "GetImageBlockPublicAccessState")["imageBlockPublicAccessState"]?.string) == "block-new-sharing" {
                throw ToolError.remote("\(e); block public access for AMIs is on in \(client.region): turn it off (aws ec2 disable-image-block-public-access) and run again")
            }
            throw ToolError.aws(e)
        }
    }
}
