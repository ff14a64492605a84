import AWSCore

/// Removes what list-assets found, in dependency order (`Asset.Kind`'s order): cancel active
/// exports and untag every export task, deregister AMIs, delete snapshots, delete S3 objects,
/// delete stacks and wait, delete key pairs, delete security groups (once their instances are gone). Each asset first passes `AssetGuard`'s checks, or is
/// refused and left alone. One outcome per asset; a failure on one asset does not stop the others.
/// A dry run makes the same read-only checks in the same order and reports what it would do.
public final class AssetPurge {
    public enum Outcome: Equatable {
        case removed
        case alreadyGone
        /// An export task: its record stays in AWS (it cannot be deleted), without the asset-id tag.
        case untagged(String)
        case failed(String)
        /// Left alone: its entry or its live state does not match what the purge was asked for.
        case refused(String)
        /// A dry run: what `removed` and `untagged` would be.
        case wouldRemove
        case wouldUntag(String)
    }

    let clients: [String: AWSClient]
    let guarding: AssetGuard
    let emit: (Asset, Outcome) throws -> Void
    public var stackTimeout: Double = 3600
    /// Check, and report what would be removed, without removing anything.
    public var dryRun = false
    /// Single calls (one per asset) made at once, each thread on a connection of its own.
    public var workers = 8
    public private(set) var failures = 0
    public private(set) var refusals = 0
    /// The snapshots of the AMIs this purge deregistered: theirs even without a tag of their own.
    private var imageSnapshots: Set<String> = []

    /// `clients`: one per Region of the assets; `emit` receives each outcome as it is known.
    public init(clients: [String: AWSClient], guarding: AssetGuard, emit: @escaping (Asset, Outcome) throws -> Void) {
        self.clients = clients
        self.guarding = guarding
        self.emit = emit
    }

    /// One client per Region of the assets (`client(region)`), each resolving its settings now
    /// (usage errors before any request).
    public convenience init(
        regionsOf assets: [Asset], client: (String) throws -> AWSClient, guarding: AssetGuard,
        emit: @escaping (Asset, Outcome) throws -> Void
    ) throws {
        var clients: [String: AWSClient] = [:]
        for a in assets where clients[a.region] == nil { clients[a.region] = try client(a.region) }
        self.init(clients: clients, guarding: guarding, emit: emit)
    }

    /// Reads list-assets' output back, in removal order, refusing all of it when one entry is
    /// malformed or, with `region`, in another Region: nothing is removed from a half-read list.
    /// The entries that mark a partial list (`NotListed`) are no assets: they are passed over,
    /// with a note.
    public static func read(_ values: [JSON], tagKey: String, region: String?) throws -> [Asset] {
        var assets: [Asset] = []
        for (i, v) in values.enumerated() {
            if NotListed.isMarker(v) {
                let what = v["Id"]?.string ?? "a kind"
                log(
                    "purge-assets: the list is partial (\(what) not listed): what it lacks is neither checked nor removed"
                )
                continue
            }
            var a = try Asset(json: v, what: "asset \(i + 1)")
            a.tagKey = tagKey
            assets.append(a)
        }
        assets = ordered(assets)
        if let region, let other = assets.first(where: { $0.region != region }) {
            throw ToolError.usage(
                "\(other.kind.rawValue) \(other.id) is in \(other.region), not --region \(region); purge one Region at a time or drop --region"
            )
        }
        return assets
    }

    /// The assets in removal order; within a kind, as given. Duplicates are dropped.
    public static func ordered(_ assets: [Asset]) -> [Asset] {
        var seen: Set<String> = []
        let unique = assets.filter { seen.insert("\($0.kind.rawValue) \($0.region) \($0.id)").inserted }
        return Asset.Kind.allCases.flatMap { kind in unique.filter { $0.kind == kind } }
    }

    /// The outcome line of an asset: `{"Kind","Id","Outcome","Reason"?,"Error"?}`, the same
    /// shape in a dry run.
    public static func line(_ a: Asset, _ outcome: Outcome) -> JSON {
        var j: JSON = ["Kind": .string(a.kind.rawValue), "Id": .string(a.id)]
        switch outcome {
        case .removed: j.set("Outcome", "removed")
        case .alreadyGone: j.set("Outcome", "already gone")
        case let .untagged(reason): j.set("Outcome", "untagged"); j.set("Reason", .string(reason))
        case let .failed(error): j.set("Outcome", "failed"); j.set("Error", .string(error))
        case let .refused(reason): j.set("Outcome", "refused"); j.set("Reason", .string(reason))
        case .wouldRemove: j.set("Outcome", "would remove")
        case let .wouldUntag(reason): j.set("Outcome", "would untag"); j.set("Reason", .string(reason))
        }
        return j
    }

    /// Removes the assets (already `ordered`); a failure of some is an error after all were tried.
    public func run(_ assets: [Asset]) throws {
        let failed = try removeAll(assets)
        if failed > 0 {
            throw ToolError.remote(
                "\(failed) of \(assets.count) assets \(dryRun ? "failed in the dry run" : "could not be removed") (the lines with \"Outcome\":\"failed\" say why); fix that and run the purge again"
            )
        }
        if refusals > 0 {
            throw ToolError.usage(
                "\(refusals) of \(assets.count) assets \(dryRun ? "would be" : "were") refused and left alone (the lines with \"Outcome\":\"refused\" say why); list the assets again"
            )
        }
    }

    /// Removes the assets (already `ordered`); returns how many failed. Those the guard refuses
    /// from their entry alone are reported first and never reach AWS.
    func removeAll(_ given: [Asset]) throws -> Int {
        var assets: [Asset] = []
        for a in given {
            if let reason = guarding.refusal(a) { try report(a, .refused(reason)) } else { assets.append(a) }
        }
        for kind in Asset.Kind.allCases {
            for region in clients.keys.sorted() {
                let group = assets.filter { $0.kind == kind && $0.region == region }
                guard !group.isEmpty, let client = clients[region] else { continue }
                try Interrupt.check()
                switch kind {
                case .exportImageTask: try each(group, client, cancelAndUntagExport)
                case .ami: try deregisterImages(group, client)
                case .snapshot: try each(group, client, deleteSnapshot)
                case .s3Object: try deleteObjects(group, client)
                case .stack: try deleteStacks(group, client)
                case .keyPair: try each(group, client, deleteKeyPair)
                case .securityGroup:
                    try each(group, client) { a, c in try SecurityGroups(c).delete(id: a.id) ? .removed : .alreadyGone }
                }
            }
        }
        return failures
    }

    private func report(_ a: Asset, _ outcome: Outcome) throws {
        if case .failed = outcome { failures += 1 }
        if case .refused = outcome { refusals += 1 }
        try emit(a, outcome)
    }

    /// One call per asset, a few at a time, each outcome reported.
    private func each(_ group: [Asset], _ client: AWSClient, _ remove: @escaping (Asset, AWSClient) throws -> Outcome)
        throws
    {
        for (a, o) in zip(group, try outcomes(group, client, remove)) { try report(a, o) }
    }

    /// One call per asset, a few at a time, each after the guard's look at the asset's live state.
    /// Errors become that asset's outcome; an interrupt stops the hand-out and ends the purge.
    private func outcomes(
        _ group: [Asset], _ client: AWSClient, _ remove: @escaping (Asset, AWSClient) throws -> Outcome
    ) throws -> [Outcome] {
        _ = try client.credentials()
        let guarding = self.guarding, imageSnapshots = self.imageSnapshots
        return try Parallel.map(count: group.count, workers: workers, setup: { try AWSClient(sibling: client) }) {
            c, i in
            try AssetPurge.outcome {
                try guarding.verify(group[i], c, ofRemovedImage: imageSnapshots.contains(group[i].id))
                    ?? remove(group[i], c)
            }
        }
    }

    /// An error as the outcome of one asset; only an interrupt goes on up.
    static func outcome(_ body: () throws -> Outcome) throws -> Outcome {
        do { return try body() } catch let e as ToolError {
            if case .interrupted = e { throw e }
            return .failed(e.description)
        }
    }

    static func awsCode(_ body: () throws -> Void, gone: (String) -> Bool) throws -> Outcome {
        do {
            try body()
            return .removed
        } catch let ToolError.aws(e) where gone(e.code) {
            return .alreadyGone
        }
    }

    // MARK: EC2

    /// AWS keeps an export task's record whatever one does (it ages out and costs nothing): an
    /// active task is cancelled, then every task loses its asset-id tag, so list-assets no
    /// longer finds it. A task listed as ended is not cancelled; one that ended since is fine. A
    /// task that no longer carries the tag was purged before: already gone (`AssetGuard`'s look).
    private func cancelAndUntagExport(_ a: Asset, _ c: AWSClient) throws -> Outcome {
        if dryRun {
            return .wouldUntag(
                (a.mayBeActiveExport ? "it would be cancelled first (it may be active); " : "")
                    + "AWS keeps export task records (free); the \(a.tagKey) tag would be removed")
        }
        var cancelled = false
        let outcome = try AssetPurge.awsCode(
            {
                if a.mayBeActiveExport { cancelled = try ExportTasks(c).cancel(id: a.id) }
                try Tags(c).untag(a.id, key: a.tagKey)
            }, gone: { $0 == "InvalidExportTaskID.NotFound" })
        guard outcome == .removed else { return outcome }
        return .untagged(
            (cancelled ? "cancelled; " : "") + "AWS keeps export task records (free); the \(a.tagKey) tag was removed")
    }

    /// Each AMI as AWS describes it now is checked, then deregistered; its snapshots are noted.
    private func deregisterImages(_ group: [Asset], _ client: AWSClient) throws {
        _ = try client.credentials()
        let guarding = self.guarding, dryRun = self.dryRun
        let results = try Parallel.map(count: group.count, workers: workers, setup: { try AWSClient(sibling: client) })
        {
            c, i -> (Outcome, [String]) in
            var snapshots: [String] = []
            let outcome = try AssetPurge.outcome {
                let image = try guarding.liveImage(group[i], c)
                if let refused = guarding.check(group[i], liveTags: image?.tags) { return refused }
                snapshots = image?.snapshotIds ?? []
                if dryRun { return .wouldRemove }
                return try Images(c).deregister(id: group[i].id) ? .removed : .alreadyGone
            }
            return (outcome, snapshots)
        }
        for (a, (outcome, snapshots)) in zip(group, results) {
            if outcome == .removed || outcome == .wouldRemove { imageSnapshots.formUnion(snapshots) }
            try report(a, outcome)
        }
    }

    private func deleteSnapshot(_ a: Asset, _ c: AWSClient) throws -> Outcome {
        if dryRun { return .wouldRemove }
        return try Snapshots(c).delete(id: a.id) ? .removed : .alreadyGone
    }

    /// Deleting a key pair succeeds even when it does not exist: the guard's look tells which are gone.
    private func deleteKeyPair(_ a: Asset, _ c: AWSClient) throws -> Outcome {
        if dryRun { return .wouldRemove }
        try KeyPairs(c).delete(id: a.id)
        return .removed
    }

    // MARK: S3

    /// DeleteObjects, 1000 keys a call (the API's limit), bucket by bucket. S3 reports a key
    /// that was already gone as deleted, so a listing first tells which are gone. The images of a
    /// published release are refused first (`AssetGuard.publishedReleases`).
    private func deleteObjects(_ given: [Asset], _ c: AWSClient) throws {
        let releases = try guarding.publishedReleases(given.map(\.assetId), c)
        var group: [Asset] = []
        for a in given {
            switch releases[a.assetId]! {  // every asset-id of the group was looked at
            case let .failure(e): try report(a, .failed(e.description))
            case let .success(published):
                if let o = guarding.check(a, liveTags: guarding.objectTags(a, published: published)) {
                    try report(a, o)
                } else {
                    group.append(a)
                }
            }
        }
        var buckets: [String] = []
        for a in group where !buckets.contains(a.bucket ?? "") { buckets.append(a.bucket ?? "") }
        for bucket in buckets {
            let objects = group.filter { $0.bucket == bucket }
            for start in stride(from: 0, to: objects.count, by: 1000) {
                try Interrupt.check()
                let batch = Array(objects[start..<min(start + 1000, objects.count)])
                let errors: [String: String]
                var gone: Set<String> = []
                do {
                    gone = try S3Objects(c).missing(bucket: bucket, keys: batch.map(\.id))
                    errors =
                        dryRun
                        ? [:]
                        : try S3Objects(c).delete(bucket: bucket, keys: batch.map(\.id).filter { !gone.contains($0) })
                } catch let ToolError.aws(e) where e.code == "NoSuchBucket" {
                    for a in batch { try report(a, .alreadyGone) }
                    continue
                } catch let e as ToolError {
                    if case .interrupted = e { throw e }
                    for a in batch { try report(a, .failed(e.description)) }
                    continue
                }
                for a in batch {
                    try report(
                        a,
                        gone.contains(a.id)
                            ? .alreadyGone : errors[a.id].map(Outcome.failed) ?? (dryRun ? .wouldRemove : .removed))
                }
            }
        }
    }

    // MARK: CloudFormation

    /// Stacks that are never an asset, refused even when given.
    static let permanentStacks: Set<String> = [
        AssetConventions.vmBucketStack, AssetConventions.vmBucketWAFStack,
        AssetConventions.ciCodeBuildStack, AssetConventions.releaseCodeBuildStack,
    ]

    /// Starts deleting each, then one wait for all of them, watched through the stack summaries (one
    /// paginated call per poll, whatever the number of stacks).
    private func deleteStacks(_ group: [Asset], _ c: AWSClient) throws {
        let before: [StackSummary]
        do { before = try Stacks(c).summaries() } catch let e as ToolError {
            if case .interrupted = e { throw e }
            for a in group { try report(a, .failed(e.description)) }
            return
        }
        var toDelete: [Asset] = []
        for a in group {
            let name = StackSummary.name(of: a.id)
            if AssetPurge.permanentStacks.contains(name) {
                try report(a, .failed("\(name) is a permanent stack; purge-assets never deletes it"))
            } else if let s = StackSummary.find(a.id, in: before), s.status != "DELETE_COMPLETE" {
                toDelete.append(a)
            } else {
                try report(a, .alreadyGone)
            }
        }
        var pending: [Asset] = []
        for (a, o) in zip(
            toDelete,
            try outcomes(toDelete, c) { [dryRun] a, c in
                if dryRun { return .wouldRemove }
                try Stacks(c).startDeleting(a.id)
                return .removed
            })
        {
            if o == .removed { pending.append(a) } else { try report(a, o) }
        }
        guard !pending.isEmpty else { return }
        let waiter = Waiter(
            "deleting \(pending.count) stack\(pending.count == 1 ? "" : "s")", timeout: stackTimeout, firstDelay: 2,
            maxDelay: 15)
        do {
            try waiter.wait { () -> Waiter.Poll<Void> in
                let now = try Stacks(c).summaries()
                var still: [Asset] = []
                for a in pending {
                    let s = StackSummary.find(a.id, in: now)
                    switch s?.status {
                    case nil, "DELETE_COMPLETE": try report(a, .removed)
                    case "DELETE_FAILED":
                        let reason = s?.reason ?? "no reason given"
                        try report(a, .failed("DELETE_FAILED: \(reason); see the stack's events"))
                    default: still.append(a)
                    }
                }
                pending = still
                return still.isEmpty ? .done(()) : .pending("\(still.count) still deleting")
            }
        } catch let e as ToolError {
            if case .interrupted = e { throw e }
            for a in pending { try report(a, .failed(e.description)) }
        }
    }
}
