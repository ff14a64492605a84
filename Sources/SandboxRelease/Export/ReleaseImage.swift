import AWSCore

/// `ami-export image`: the release's AMI, made from its instance once. An AMI of that name is
/// reused when it carries the same asset-id (a re-run), refused when it belongs to another;
/// the image and its snapshots end up tagged, its instances require IMDSv2, and the call
/// returns once the AMI is available.
public struct ReleaseImage {
    public var instanceId: String
    public var name: String
    public var description: String?
    public var noReboot: Bool
    public var tagKey: String
    public var assetId: String
    public var timeout: Double

    public init(
        instanceId: String, name: String, description: String?, noReboot: Bool, tagKey: String,
        assetId: String, timeout: Double
    ) {
        self.instanceId = instanceId
        self.name = name
        self.description = description
        self.noReboot = noReboot
        self.tagKey = tagKey
        self.assetId = assetId
        self.timeout = timeout
    }

    public func make(_ client: AWSClient) throws -> Image {
        let images = Images(client)
        let id: String
        var madeHere = false
        if let existing = try images.find(name: name) {
            if let owner = existing.tags[tagKey], owner != assetId {
                throw ToolError.remote(
                    "AMI \(existing.id) named '\(name)' belongs to \(tagKey) \(owner); choose another --name")
            }
            log("image \(existing.id): '\(name)' already exists, reused")
            id = existing.id
        } else {
            id = try images.create(
                instanceId: instanceId, name: name, description: description, noReboot: noReboot,
                tags: AssetConventions.tags(tagKey: tagKey, assetId: assetId))
            madeHere = true
            log("image \(id): creating from \(instanceId)\(noReboot ? " without reboot" : "")")
        }
        do {
            var image = try images.waitAvailable(id: id, timeout: timeout)
            // Tagged again now that the snapshots exist: a reused image, or one made where snapshots
            // cannot be tagged at creation, gets them too.
            try Tags(client).tag(
                [image.id] + image.snapshotIds, AssetConventions.tags(tagKey: tagKey, assetId: assetId))
            // A public AMI's instances must not answer metadata requests without a session token
            // (IMDSv1: what a server-side request forgery reaches).
            if image.imdsSupport != "v2.0" {
                try images.requireIMDSv2(id: image.id)
                image.imdsSupport = "v2.0"
                log("image \(image.id): its instances require IMDSv2")
            }
            return image
        } catch let ToolError.interrupted(signal) where madeHere {
            remove(id, images)
            throw ToolError.interrupted(signal)
        }
    }

    /// An interrupt (also one during CreateImage, let finish) leaves no half-made image of this run.
    private func remove(_ id: String, _ images: Images) {
        Interrupt.cleaningUp {
            do {
                if let image = try images.describe(id: id) { try images.remove(image) }
                log("image \(id): removed, the run was interrupted before it was available")
            } catch {
                log("could not remove image \(id): \(error); it is tagged \(tagKey)=\(assetId) for purge-assets")
            }
        }
    }
}
