import AWSCore

/// Whether a resource is a release's, before a tool changes it: it carries the project tag (the
/// toolkit made it) and the asset-id tag of the release given. `keypair delete` and `ami-export
/// make-public` need both; `tag-assets`, which adds the asset-id tag, needs the project tag and no
/// other release's asset-id. `--force` skips the check (the tools then do not call `refusal`).
public struct ReleaseOwnership: Sendable {
    public var tagKey: String
    public var assetId: String
    /// tag-assets: a resource without the asset-id tag is the one to tag, not a refusal.
    public var untaggedIsFine = false

    public init(tagKey: String, assetId: String, untaggedIsFine: Bool = false) {
        self.tagKey = tagKey
        self.assetId = assetId
        self.untaggedIsFine = untaggedIsFine
    }

    /// nil when `tags` (the resource's now) make it the release's; else why not, naming the
    /// other release, and the way past (`--force` and what it would do).
    public func refusal(_ what: String, tags: [String: String], forceDoes: String) -> String? {
        let project = AssetConventions.projectTag
        guard tags[project.key] == project.value else {
            return
                "\(what) has no project tag (\(project.key)=\(project.value)): the toolkit did not make it; --force \(forceDoes) anyway"
        }
        guard let live = tags[tagKey] else {
            return untaggedIsFine
                ? nil : "\(what) has no \(tagKey) tag: it is no release's; --force \(forceDoes) anyway"
        }
        guard live == assetId else {
            return
                "\(what) is tagged \(tagKey)=\(live), not \(tagKey)=\(assetId): it belongs to another release; --force \(forceDoes) anyway"
        }
        return nil
    }
}
