import AWSCore

/// Everything tagged with an asset-id that matches a pattern: AMIs, snapshots, export tasks
/// (in every state AWS still reports), key pairs, security groups, stacks (with their resources) and the exported
/// objects under the images and staging prefixes. Every page of every API; the kinds are fetched
/// at the same time, one connection each.
public struct AssetListing {
    public var pattern: AssetIdPattern
    public var kinds: [Asset.Kind]
    public var tagKey: String
    public var imagesPrefix: String
    public var stagingPrefix: String
    /// The VM bucket; nil: the `BucketName` output of the VM bucket stack.
    public var bucket: String?
    /// The CloudFront domain of the images; nil: the stack's `DistributionDomainName` output.
    public var cdnDomain: String?
    /// How many stacks' resources are read at once.
    public var resourceWorkers = 8

    public init(
        pattern: AssetIdPattern, kinds: [Asset.Kind], tagKey: String, imagesPrefix: String,
        stagingPrefix: String = AssetConventions.defaultStagingPrefix, bucket: String?, cdnDomain: String?
    ) {
        self.pattern = pattern
        self.kinds = kinds
        self.tagKey = tagKey
        self.imagesPrefix = imagesPrefix
        self.stagingPrefix = stagingPrefix
        self.bucket = bucket
        self.cdnDomain = cdnDomain
    }

    /// What a listing found, and the kinds it could not list (a partial list).
    public struct Found {
        public var assets: [Asset]
        public var notListed: [NotListed]
    }

    /// Lists every selected kind; the first kind that fails fails the listing, since a partial
    /// list read as complete would hide what costs money. A kind that cannot be listed at all
    /// (S3 without a VM bucket) is `notListed`. `profile`: named in each asset's `RemoveWith`.
    public func run(_ client: AWSClient) throws -> Found {
        _ = try client.credentials()  // once, shared by every thread's client
        let found = try Parallel.map(
            count: kinds.count, workers: kinds.count, setup: { try AWSClient(sibling: client) }
        ) { c, i in
            try self.list(self.kinds[i], c)
        }
        var notListed: [NotListed] = []
        var byKind: [Asset.Kind: [Asset]] = [:]
        for (kind, result) in zip(kinds, found) {
            switch result {
            case let .success(assets): byKind[kind] = assets
            case let .failure(missing): notListed.append(missing)
            }
        }
        if let images = byKind[.ami], let snapshots = byKind[.snapshot] {
            byKind[.snapshot] = try snapshots + untaggedSnapshots(of: images, known: snapshots, client)
        }
        let profile = client.config.profileIsNamed ? client.config.profileName : nil
        let assets = kinds.flatMap { kind in
            (byKind[kind] ?? []).filter { pattern.matches($0.assetId) }.sorted {
                ($0.assetId, $0.name ?? "", $0.id) < ($1.assetId, $1.name ?? "", $1.id)
            }
        }
        return Found(
            assets: assets.map {
                var a = $0
                a.profile = profile
                return a
            }, notListed: notListed)
    }

    func list(_ kind: Asset.Kind, _ c: AWSClient) throws -> Result<[Asset], NotListed> {
        do {
            switch kind {
            case .ami: return .success(try images(c))
            case .snapshot:
                return .success(try snapshots(c, filters: [("tag:\(tagKey)", [pattern.text])], assetIds: [:]))
            case .exportImageTask: return .success(try exportTasks(c))
            case .keyPair: return .success(try keyPairs(c))
            case .securityGroup: return .success(try securityGroups(c))
            case .stack: return .success(try stacks(c))
            case .s3Object: return try objects(c)
            }
        } catch let ToolError.aws(e) {
            throw ToolError.remote("listing \(kind.rawValue)s: \(e)")
        }
    }

    // MARK: EC2

    func images(_ c: AWSClient) throws -> [Asset] {
        try Images(c).listOwned(filters: [("tag:\(tagKey)", [pattern.text])]).map { image in
            var a = Asset(
                kind: .ami, id: image.id, name: image.name, state: image.state, created: image.created,
                size: nil, assetId: image.tags[tagKey] ?? "", region: c.region)
            a.snapshotIds = image.snapshotIds
            return a
        }
    }

    func snapshots(_ c: AWSClient, filters: [(String, [String])], assetIds: [String: String]) throws -> [Asset] {
        try Snapshots(c).list(filters: filters).map { s in
            Asset(
                kind: .snapshot, id: s.id, name: s.tags["Name"] ?? s.description, state: s.status, created: s.startTime,
                size: s.volumeSize, assetId: s.tags[tagKey] ?? assetIds[s.id] ?? "", region: c.region)
        }
    }

    /// Snapshots of listed AMIs that carry no asset-id tag of their own, attributed to the AMI.
    func untaggedSnapshots(of images: [Asset], known: [Asset], _ c: AWSClient) throws -> [Asset] {
        let listed = Set(known.map(\.id))
        var owner: [String: String] = [:]
        for image in images { for s in image.snapshotIds where !listed.contains(s) { owner[s] = image.assetId } }
        guard !owner.isEmpty else { return [] }
        return try snapshots(c, filters: [("snapshot-id", owner.keys.sorted())], assetIds: owner)
    }

    func exportTasks(_ c: AWSClient) throws -> [Asset] {
        try ExportTasks(c).tagged(tagKey, matching: pattern).map { task in
            var a = Asset(
                kind: .exportImageTask, id: task.id,
                name: "export of \(task.imageId) to s3://\(task.bucket)/\(task.prefix)",
                state: task.status, created: nil, size: nil, assetId: task.tags[tagKey] ?? "", region: c.region)
            a.tagKey = tagKey
            return a
        }
    }

    func keyPairs(_ c: AWSClient) throws -> [Asset] {
        try KeyPairs(c).list(filters: [("tag:\(tagKey)", [pattern.text])]).map { pair in
            Asset(
                kind: .keyPair, id: pair.id, name: pair.name, state: nil, created: pair.created, size: nil,
                assetId: pair.tags[tagKey] ?? "", region: c.region)
        }
    }

    func securityGroups(_ c: AWSClient) throws -> [Asset] {
        try SecurityGroups(c).list(filters: [("tag:\(tagKey)", [pattern.text])]).map { group in
            Asset(
                kind: .securityGroup, id: group.id, name: group.name, state: nil, created: nil, size: nil,
                assetId: group.tags[tagKey] ?? "", region: c.region)
        }
    }

    // MARK: CloudFormation

    /// Stacks cannot be filtered by tag on the server: every page, matched here; resources only for the matches.
    func stacks(_ c: AWSClient) throws -> [Asset] {
        var matched: [Asset] = try Stacks(c).describeAll().compactMap { s in
            guard s.status != "DELETE_COMPLETE", let value = s.tags[tagKey], pattern.matches(value) else { return nil }
            return Asset(
                kind: .stack, id: s.id, name: s.name, state: s.status, created: s.created, size: nil,
                assetId: value, region: c.region)
        }
        let resources = try Parallel.map(
            count: matched.count, workers: resourceWorkers, setup: { try AWSClient(sibling: c) }
        ) { rc, i in
            try Stacks(rc).resources(of: matched[i].id)
        }
        for i in matched.indices { matched[i].resources = resources[i] }
        return matched
    }

    // MARK: S3

    /// The objects under `<images-prefix>/<asset-id>/`, and under `<staging-prefix>/<asset-id>/`
    /// what was exported but not (yet) moved there; the asset-id is the key's first segment after
    /// the prefix. A pattern's literal head narrows the listing on the server. Only the images
    /// prefix is served: staged objects have no URL.
    func objects(_ c: AWSClient) throws -> Result<[Asset], NotListed> {
        var bucket = self.bucket
        var domain = cdnDomain
        if bucket == nil || domain == nil {
            let outputs = try Stacks(c).describe(AssetConventions.vmBucketStack)?.outputs ?? []
            bucket = bucket ?? outputs.first { $0.0 == "BucketName" }?.1
            domain = domain ?? outputs.first { $0.0 == "DistributionDomainName" }?.1
        }
        guard let bucket, !bucket.isEmpty else {
            return .failure(
                NotListed(
                    kind: .s3Object, region: c.region,
                    reason:
                        "no VM bucket: no stack \(AssetConventions.vmBucketStack) in \(c.region), no --bucket or VM_BUCKET; give --bucket, or leave s3-object out of --kinds"
                ))
        }
        let head = pattern.isLiteral ? pattern.text + "/" : String(pattern.text.prefix { $0 != "*" && $0 != "?" })
        return .success(
            try [(imagesPrefix, domain), (stagingPrefix, nil)].flatMap { prefix, domain in
                // The folder that holds every asset-id's folder: `images/` of `images/x/`.
                let root = String(AssetConventions.imagesKeyPrefix(imagesPrefix: prefix, assetId: "x").dropLast(2))
                return try S3Objects(c).list(bucket: bucket, prefix: root + head).compactMap { o -> Asset? in
                    guard let key = o["Key"]?.string, key.hasPrefix(root) else { return nil }
                    let rest = key.dropFirst(root.count)
                    guard let slash = rest.firstIndex(of: "/"), pattern.matches(String(rest[..<slash])) else {
                        return nil
                    }
                    return Asset(
                        kind: .s3Object, id: key, name: String(key.split(separator: "/").last ?? ""),
                        state: o["StorageClass"]?.string, created: o["LastModified"]?.string,
                        size: o["Size"]?.number.map { Int64($0) }, assetId: String(rest[..<slash]), region: c.region,
                        url: domain.map { AssetConventions.imageURL(cloudfrontDomain: $0, key: key) }, bucket: bucket)
                }
            })
    }
}
