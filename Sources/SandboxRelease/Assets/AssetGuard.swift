import AWSCore

/// What purge-assets checks before it removes an asset, so that a stale, edited or hostile list
/// removes nothing it should not: the entry's asset-id matches the one given on the command line,
/// an S3 key lies under that asset-id's images (or staging) folder, and the asset as AWS describes it now
/// carries the same asset-id tag and is not published (for an S3 key: its release's AMI is not).
public struct AssetGuard: Sendable {
    /// The tag `ami-export make-public` puts on a public AMI and its snapshots.
    public static let publishedTag = ("published", "true")

    public var pattern: AssetIdPattern
    public var tagKey: String
    public var imagesPrefix: String
    public var stagingPrefix: String
    public var includePublished: Bool

    public init(
        pattern: AssetIdPattern, tagKey: String, imagesPrefix: String,
        stagingPrefix: String = AssetConventions.defaultStagingPrefix, includePublished: Bool
    ) {
        self.pattern = pattern
        self.tagKey = tagKey
        self.imagesPrefix = imagesPrefix
        self.stagingPrefix = stagingPrefix
        self.includePublished = includePublished
    }

    /// A glob removes many releases at once: only with `expectCount` equal to the entries read,
    /// so a list that grew since it was reviewed is refused before any request.
    public func confirm(count: Int, expectCount: Int?) throws {
        guard !pattern.isLiteral else { return }
        guard let expectCount else {
            throw ToolError.usage(
                "--asset-id '\(pattern.text)' is a glob: add --expect-count \(count) (the number of assets read) to remove them"
            )
        }
        guard expectCount == count else {
            throw ToolError.usage(
                "--expect-count \(expectCount) but \(count) assets were read for '\(pattern.text)'; list them again and review"
            )
        }
    }

    /// The refusal known from the entry alone (no request), or nil.
    public func refusal(_ a: Asset) -> String? {
        guard pattern.matches(a.assetId) else {
            return "the entry's asset-id '\(a.assetId)' is not --asset-id '\(pattern.text)'"
        }
        if a.kind == .s3Object {
            let folders = [imagesPrefix, stagingPrefix].map {
                AssetConventions.imagesKeyPrefix(imagesPrefix: $0, assetId: a.assetId)
            }
            guard folders.contains(where: a.id.hasPrefix), !a.id.split(separator: "/").contains("..") else {
                return "key '\(a.id)' is not under '\(folders[0])' or '\(folders[1])', where the images of asset-id "
                    + "\(a.assetId) live"
            }
        }
        return nil
    }

    /// Compares the live tags of an asset (nil: AWS no longer knows it) with its entry: nil when
    /// it may be removed, else `alreadyGone` or `refused` with the reason. `ofRemovedImage`: a
    /// snapshot of an AMI this purge checked and deregistered, which needs no tag of its own.
    func check(_ a: Asset, liveTags: [String: String]?, ofRemovedImage: Bool = false) -> AssetPurge.Outcome? {
        guard let tags = liveTags else { return .alreadyGone }
        guard let live = tags[tagKey] else {
            if ofRemovedImage { return nil }
            // An export task's record outlives it; a purge that ran before took its tag away.
            return a.kind == .exportImageTask ? .alreadyGone : .refused("it has no \(tagKey) tag now")
        }
        guard live == a.assetId, pattern.matches(live) else {
            return .refused("its \(tagKey) tag is now '\(live)', the entry says '\(a.assetId)'")
        }
        if !includePublished, tags[AssetGuard.publishedTag.0] == AssetGuard.publishedTag.1 {
            guard a.kind == .s3Object else {
                return .refused("it is published (tag published=true); --include-published removes it")
            }
            return .refused(
                "release \(a.assetId) is published (its AMI is tagged published=true) and the public downloads "
                    + "its images; --include-published removes it")
        }
        return nil
    }

    /// What an S3 object's tags would be: it carries none of ours, so its folder gives the asset-id
    /// and its release's AMI tells whether the public downloads it (`published`).
    func objectTags(_ a: Asset, published: Bool) -> [String: String] {
        var tags = [tagKey: a.assetId]
        if published { tags[AssetGuard.publishedTag.0] = AssetGuard.publishedTag.1 }
        return tags
    }

    /// For each asset-id, whether an AMI of that release in the client's Region is published now:
    /// one DescribeImages per asset-id, whatever the number of keys, and none with
    /// --include-published. Asked before any S3 delete; a look that failed is that asset-id's error.
    func publishedReleases(_ assetIds: [String], _ c: AWSClient) throws -> [String: Result<Bool, ToolError>] {
        var answers: [String: Result<Bool, ToolError>] = [:]
        for id in assetIds where answers[id] == nil {
            guard !includePublished else {
                answers[id] = .success(false)
                continue
            }
            let filters = [("tag:\(tagKey)", [id]), ("tag:\(AssetGuard.publishedTag.0)", [AssetGuard.publishedTag.1])]
            do {
                answers[id] = .success(!(try Images(c).listOwned(filters: filters).isEmpty))
            } catch let e as ToolError {
                if case .interrupted = e { throw e }
                answers[id] = .failure(e)
            }
        }
        return answers
    }

    /// The asset's tags as AWS reports them now; nil when it is gone. S3 objects carry no tags
    /// of ours: their folder is their asset-id (see `refusal`, `objectTags`).
    func liveTags(_ a: Asset, _ c: AWSClient) throws -> [String: String]? {
        switch a.kind {
        case .ami: return try liveImage(a, c)?.tags
        case .snapshot: return try Snapshots(c).list(filters: [("snapshot-id", [a.id])]).first?.tags
        case .keyPair: return try KeyPairs(c).list(filters: [("key-pair-id", [a.id])]).first?.tags
        case .securityGroup: return try SecurityGroups(c).list(filters: [("group-id", [a.id])]).first?.tags
        case .exportImageTask:
            do { return try ExportTasks(c).describe(ids: [a.id]).first?.tags } catch let ToolError.aws(e)
                where e.code == "InvalidExportTaskID.NotFound"
            { return nil }
        case .stack: return try Stacks(c).describe(a.id).flatMap { $0.status == "DELETE_COMPLETE" ? nil : $0.tags }
        case .s3Object: return objectTags(a, published: false)
        }
    }

    /// The AMI as AWS describes it now; nil once deregistered.
    func liveImage(_ a: Asset, _ c: AWSClient) throws -> Image? {
        try Images(c).describe(id: a.id).flatMap { $0.state == "deregistered" ? nil : $0 }
    }

    /// nil when the asset may be removed now; otherwise its outcome.
    func verify(_ a: Asset, _ c: AWSClient, ofRemovedImage: Bool) throws -> AssetPurge.Outcome? {
        check(a, liveTags: try liveTags(a, c), ofRemovedImage: ofRemovedImage)
    }
}
