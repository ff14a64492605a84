import AWSCore

/// Tags on the export tasks and AMI copies besides the asset-id: they let a re-run recognise
/// its tasks (EC2 reports no format for a task) and tie a copy to its source.
enum ExportTags {
    static let format = "ami-export:format"
    static let sourceImage = "ami-export:source-image"
}

/// Runs the exports of a plan: reuses the asset's earlier tasks, gives each extra format its own
/// AMI copy, starts every export as soon as its AMI and an export slot allow, polls them all,
/// finds each finished file where ExportImage wrote it (the staging prefix) and removes the copies.
/// Moving a file to where it is published is the release's step after its verification.
public final class ExportRun {
    let client: AWSClient
    let plan: ExportPlan
    let images: Images
    let exportTasks: ExportTasks
    var jobs: [FormatJob] = []
    /// One copy token per format and run: retries share it; a later run finds the copy by name.
    var copyTokens: [DiskFormat: String] = [:]

    public init(client: AWSClient, plan: ExportPlan) {
        self.client = client
        self.plan = plan
        images = Images(client)
        exportTasks = ExportTasks(client)
    }

    /// The AMI of the plan, read when the run starts.
    var base: Image?
    var baseId: String { plan.imageId }
    /// Base name of the files: the plan's, else the AMI's.
    var fileName: String { plan.name ?? base?.name ?? baseId }

    public func run() throws -> JSON {
        let image = try Images(client).describe(id: baseId)
        guard let image, image.state == "available" else {
            throw ToolError.remote(
                "image \(baseId) is \(image?.state ?? "not found"); make it with `ami-export image` first")
        }
        base = image
        do {
            try prepare()
            // At most 5 s between polls: a format is taken on within 5 s of its task's end. One
            // DescribeExportImageTasks a poll stays far inside EC2's limit for non-mutating
            // actions (a bucket of 100, refilled at 20 a second: "Request throttling for the
            // Amazon EC2 API"), even for hours of exports.
            var waiter = Waiter("exports", timeout: plan.timeout, firstDelay: 1, maxDelay: 5)
            waiter.progress = false  // each format logs its own changes
            try waiter.wait { try step() }
        } catch let ToolError.interrupted(signal) {
            Interrupt.cleaningUp {
                cancelStartedTasks(); removeCopies()
            }
            throw ToolError.interrupted(signal)
        } catch {
            removeCopies()
            throw error
        }
        let failures = jobs.compactMap { job in job.failure.map { "\(job.format.rawValue): \($0)" } }
        guard failures.isEmpty else { throw ToolError.remote(failures.joined(separator: "; ")) }
        return .array(jobs.compactMap(\.result))
    }

    // MARK: - planning

    /// Finds the asset's earlier tasks and decides, per format, what to reuse and which AMI to use.
    func prepare() throws {
        let earlier = try exportTasks.tagged(plan.tagKey, matching: AssetIdPattern(plan.assetId)).filter {
            $0.tags[ExportTags.sourceImage] == baseId && $0.bucket == plan.bucket && $0.prefix == plan.prefix
        }
        var baseFree = !earlier.contains { $0.isActive && $0.imageId == baseId }
        for format in plan.formats {
            let mine = earlier.filter { $0.tags[ExportTags.format] == format.rawValue }
            if let reuse = mine.first(where: \.isCompleted) ?? mine.first(where: \.isActive) {
                let job = FormatJob(format: format, imageId: reuse.imageId, phase: .exporting)
                job.task = reuse
                if reuse.imageId != baseId { job.copyId = reuse.imageId }
                log("\(format.rawValue): export task \(reuse.id) of an earlier run is \(reuse.status), reused")
                jobs.append(job)
                continue
            }
            let job = FormatJob(format: format, imageId: baseId, phase: .queued)
            job.attempt = mine.filter(\.isFailed).count
            jobs.append(job)
            if plan.sequential { continue }
            if baseFree { baseFree = false } else { try makeCopy(job) }
        }
    }

    /// Gives the job its own AMI: a copy of the base AMI named `<ami-name>-<fmt>` (an earlier
    /// run's copy of that name is reused).
    func makeCopy(_ job: FormatJob) throws {
        let name = "\(base?.name ?? baseId)-\(job.format.rawValue)"
        if let existing = try images.find(name: name) {
            job.imageId = existing.id
            log("\(job.format.rawValue): AMI copy \(existing.id) '\(name)' of an earlier run reused")
        } else {
            let token = copyTokens[job.format] ?? ClientToken.random()
            copyTokens[job.format] = token
            job.imageId = try images.copy(
                sourceId: baseId, name: name, description: "copy of \(baseId) to export as \(job.format.rawValue)",
                tags: AssetConventions.tags(tagKey: plan.tagKey, assetId: plan.assetId)
                    + [(ExportTags.sourceImage, baseId)], clientToken: token)
            log(
                "\(job.format.rawValue): copying \(baseId) to \(job.imageId) '\(name)' (AWS exports one format per AMI at a time)"
            )
        }
        job.copyId = job.imageId
        job.phase = .copying
    }

    // MARK: - one poll

    func step() throws -> Waiter.Poll<Void> {
        for job in jobs where job.phase == .copying {
            do {
                if case .done = try images.poll(id: job.imageId) { job.phase = .queued }
            } catch let ToolError.remote(message) {
                fail(job, message)
            }
        }
        for job in jobs where job.phase == .queued {
            if plan.sequential, jobs.contains(where: { $0.phase == .exporting }) { break }
            try start(job)
        }
        let exporting = jobs.filter { $0.phase == .exporting }
        let tasks = try exportTasks.describe(ids: exporting.compactMap { $0.task?.id })
        for job in exporting {
            guard let task = tasks.first(where: { $0.id == job.task?.id }) else { continue }
            job.task = task
            let line = task.progressLine(job.format)
            if line != job.lastLine { log(line) }
            job.lastLine = line
            if task.isCompleted {
                try finish(job, task)
            } else if task.isFailed {
                fail(job, "export task \(task.id) \(task.status): \(task.statusMessage ?? "no message")")
            }
        }
        // One after the other: the next format starts as soon as the previous one ends, not a poll later.
        if plan.sequential, !jobs.contains(where: { $0.phase == .exporting }),
            let next = jobs.first(where: { $0.phase == .queued })
        {
            try start(next)
        }
        if jobs.allSatisfy(\.isFinished) { return .done(()) }
        return .pending(
            jobs.map { $0.lastLine.isEmpty ? "\($0.format.rawValue) \($0.phase)" : $0.lastLine }.joined(separator: ", ")
        )
    }

    /// Starts the export of a job whose AMI is ready. A busy AMI or a full Region (5 exports) is
    /// waited out; a base AMI busy with another process's export gets this format a copy.
    func start(_ job: FormatJob) throws {
        let token = ExportTasks.token(
            imageId: job.imageId, format: job.format, bucket: plan.bucket, prefix: plan.prefix,
            attempt: job.attempt)
        var description = "\(fileName).\(job.format.rawValue) of \(baseId) for \(plan.tagKey) \(plan.assetId)"
        if let d = plan.description { description = "\(d) \(description)" }
        let request = ExportTasks.Request(
            imageId: job.imageId, format: job.format, bucket: plan.bucket, prefix: plan.prefix,
            roleName: plan.roleName, description: String(description.prefix(255)),
            tags: AssetConventions.tags(tagKey: plan.tagKey, assetId: plan.assetId)
                + [(ExportTags.format, job.format.rawValue), (ExportTags.sourceImage, baseId)],
            clientToken: token)
        do {
            let task = try exportTasks.start(request)
            job.task = task
            job.startedHere = true
            job.phase = .exporting
            log("\(job.format.rawValue): export task \(task.id) started from \(job.imageId)")
        } catch let ToolError.aws(e) where e.code == "IncorrectState" && job.imageId == baseId && !plan.sequential {
            log("\(job.format.rawValue): \(baseId) is being exported by another task")
            try makeCopy(job)
        } catch let ToolError.aws(e) where e.code == "ResourceLimitExceeded" || e.code == "IncorrectState" {
            if !job.waitingSaid { log("\(job.format.rawValue): waiting to start: \(e.message)") }
            job.waitingSaid = true
        }
    }

    /// A completed export: its file where it is now (staged, or published by an earlier run) and
    /// where it is published (`PublishKey`, `Url`); its copy removed.
    func finish(_ job: FormatJob, _ task: ExportTask) throws {
        let staged = task.objectKey(job.format)
        let publish = "\(plan.publishPrefix)\(fileName).\(job.format.rawValue)"
        let objects = S3Objects(client)
        let found =
            try objects.head(bucket: plan.bucket, key: staged).map { (staged, $0.size) }
            ?? objects.head(bucket: plan.bucket, key: publish).map { (publish, $0.size) }
        guard let (key, size) = found else {
            return fail(
                job,
                "export task \(task.id) completed, but neither s3://\(plan.bucket)/\(staged) nor \(publish) exists "
                    + "(the staging prefix's lifecycle rule expires what stays there): remove the task from the release "
                    + "(list-assets --asset-id \(plan.assetId) --kinds export-image-task | purge-assets --yes "
                    + "--asset-id \(plan.assetId)) and export again")
        }
        log("\(job.format.rawValue): s3://\(plan.bucket)/\(key), \(size) bytes")
        job.result = [
            "Format": .string(job.format.rawValue), "ExportImageTaskId": .string(task.id),
            "Bucket": .string(plan.bucket), "Key": .string(key), "Size": .number(Double(size)),
            "PublishKey": .string(publish),
            "Url": JSON(plan.cdnDomain.map { AssetConventions.imageURL(cloudfrontDomain: $0, key: publish) }),
        ]
        job.phase = .done
        removeCopy(job)
    }

    /// The message is said once, in the error `run` ends with; the other formats go on.
    func fail(_ job: FormatJob, _ message: String) {
        job.failure = message
        job.phase = .failed
        removeCopy(job)
    }

    // MARK: - cleanup

    func cancelStartedTasks() {
        for job in jobs where job.startedHere && job.task?.isActive == true {
            guard let id = job.task?.id else { continue }
            do {
                try exportTasks.cancel(id: id)
                job.task?.status = "deleting"
                log("\(job.format.rawValue): export task \(id) cancelled")
            } catch {
                log(
                    "\(job.format.rawValue): could not cancel export task \(id): \(error); cancel it with `aws ec2 cancel-export-task --export-task-id \(id)`"
                )
            }
        }
    }

    /// Removes the copies whose export no longer runs (one still exporting for another run stays).
    func removeCopies() {
        for job in jobs where job.task?.isActive != true { removeCopy(job) }
    }

    func removeCopy(_ job: FormatJob) {
        guard let id = job.copyId else { return }
        do {
            job.copyId = nil
            guard let image = try images.describe(id: id), image.state != "deregistered" else { return }
            try images.remove(image)
            log("\(job.format.rawValue): AMI copy \(id) and its snapshots removed")
        } catch {
            log(
                "\(job.format.rawValue): could not remove AMI copy \(id): \(error); it is tagged \(plan.tagKey)=\(plan.assetId) for purge-assets"
            )
        }
    }
}
