import AWSCore

/// `preflight`: what a real account must offer before a release, read without changing anything.
/// The caller and Region; the VM bucket (its Region, versioning, SSE-S3, ownership); the export
/// role (trusted by vmie.amazonaws.com, the permissions VM Import/Export's guide lists); EBS
/// encryption by default off; the source AMI exportable; the export-task and instance quotas; and
/// every call of the release that changes something: tried with DryRun where EC2 can take the
/// request as the release will send it, simulated (iam:SimulatePrincipalPolicy) where the call acts
/// on something that exists only during a release. The calls CloudFormation makes are those of the
/// EC2 stack template's resource types, as CloudFormation makes them, with the caller's rights.
public struct Preflight {
    public var assetId: String
    public var tagKey: String
    public var bucket: String
    public var imagesPrefix: String
    /// Where ExportImage writes, before the verified images are moved under the images prefix.
    public var stagingPrefix: String
    public var exportRole: String
    public var sourceImage: String
    public var instanceType: String
    /// How many exports run at once (one per format).
    public var exports: Int
    /// The EC2 stack's name and template.
    public var stack: String
    public var template: StackTemplate
    public var vpcId: String?
    public var subnetId: String?

    public init(
        assetId: String, tagKey: String, bucket: String, imagesPrefix: String, stagingPrefix: String,
        exportRole: String,
        sourceImage: String, instanceType: String, exports: Int, stack: String, template: StackTemplate,
        vpcId: String?, subnetId: String?
    ) {
        self.assetId = assetId
        self.tagKey = tagKey
        self.bucket = bucket
        self.imagesPrefix = imagesPrefix
        self.stagingPrefix = stagingPrefix
        self.exportRole = exportRole
        self.sourceImage = sourceImage
        self.instanceType = instanceType
        self.exports = exports
        self.stack = stack
        self.template = template
        self.vpcId = vpcId
        self.subnetId = subnetId
    }

    /// Canonical's account: the release starts from its Ubuntu images.
    public static let canonical = "099720109477"
    /// VM Import/Export runs at most five export tasks per Region at once (its quotas).
    public static let exportTaskQuota = 5
    /// The instance families that count against the standard On-Demand vCPU quota.
    static let standardFamilies: Set<Character> = ["a", "c", "d", "h", "i", "m", "r", "t", "z"]

    /// Every check, in order; a check whose request fails is a failed check, not an error (only an
    /// interrupt ends the run).
    public func run(_ client: AWSClient) throws -> [PreflightCheck] {
        var checks: [PreflightCheck] = []
        func check(_ name: String, _ how: String, _ body: () throws -> (Bool, String)) throws {
            do {
                let (ok, detail) = try body()
                checks.append(PreflightCheck(check: name, how: how, ok: ok, detail: detail))
            } catch let e as ToolError {
                if case .interrupted = e { throw e }
                checks.append(PreflightCheck(check: name, how: how, ok: false, detail: e.description))
            }
        }
        var caller = CallerIdentity(account: "", arn: "")
        try check("identity", "read") {
            caller = try CallerIdentity.get(client)
            return (true, "\(caller.arn) in \(client.region)")
        }
        try bucketChecks(client, check)
        try exportRoleChecks(client, caller, check)
        try check("EBS encryption by default", "read") {
            try EBSEncryption(client).isOnByDefault()
                ? (
                    false,
                    "on in \(client.region): volumes and snapshots are encrypted, and ExportImage exports no image with an encrypted snapshot; turn it off (aws ec2 disable-ebs-encryption-by-default)"
                )
                : (true, "off")
        }
        try check("source AMI \(sourceImage)", "read") { try exportable(Images(client).describe(id: sourceImage)) }
        try quotaChecks(client, check)
        let calls = ReleaseCalls(preflight: self, caller: caller, region: client.region)
        for call in try calls.all(resourceTypes: template.resourceTypes(client)) {
            try check(call.action, call.how) { try call.trial(client) }
        }
        return checks
    }

    typealias Check = (String, String, () throws -> (Bool, String)) throws -> Void

    /// The bucket ExportImage writes into: in the release's Region, versioned, encrypted with SSE-S3
    /// (ExportImage cannot write to SSE-KMS buckets), its objects owned by the bucket owner.
    func bucketChecks(_ client: AWSClient, _ check: Check) throws {
        let settings = BucketSettings(client, bucket: bucket)
        try check("VM bucket \(bucket): Region", "read") {
            let region = try settings.region()
            return region == client.region
                ? (true, region)
                : (
                    false,
                    "\(region), not the release's \(client.region): ExportImage writes to a bucket of its own Region"
                )
        }
        try check("VM bucket \(bucket): versioning", "read") {
            let status = try settings.versioning()
            return status == "Enabled"
                ? (true, "Enabled")
                : (
                    false,
                    "\(status ?? "never enabled"): deploy the VM bucket stack (stacks/vm-bucket.yaml), which turns it on"
                )
        }
        try check("VM bucket \(bucket): default encryption", "read") {
            let algorithms = try settings.encryption()
            return algorithms == ["AES256"]
                ? (true, "SSE-S3 (AES256)")
                : (
                    false,
                    "\(algorithms.joined(separator: ", ")): ExportImage writes only to a bucket encrypted with SSE-S3 (AES256), not SSE-KMS"
                )
        }
        try check("VM bucket \(bucket): object ownership", "read") {
            let ownership = try settings.objectOwnership()
            return ownership == "BucketOwnerEnforced"
                ? (true, "BucketOwnerEnforced")
                : (
                    false,
                    "\(ownership ?? "no ownership controls"): set BucketOwnerEnforced, as stacks/vm-bucket.yaml does, so the account owns what the export writes"
                )
        }
    }

    /// The role ExportImage names: VM Import/Export assumes it (trust: vmie.amazonaws.com) and
    /// needs, in the guide's words, to read the bucket and write the images (under the staging prefix), and to copy, share and
    /// register snapshots and images (VM Import/Export User Guide, "Required service role").
    func exportRoleChecks(_ client: AWSClient, _ caller: CallerIdentity, _ check: Check) throws {
        var role: Roles.Role?
        try check("export role \(exportRole): trust", "read") {
            role = try Roles(client).get(name: exportRole)
            guard let role else { return (false, "no such role: deploy the VM bucket stack, or set EXPORT_ROLE") }
            return role.trusts(service: "vmie.amazonaws.com")
                ? (true, "vmie.amazonaws.com may assume it")
                : (false, "its trust policy does not let vmie.amazonaws.com assume it (sts:AssumeRole)")
        }
        try check("export role \(exportRole): permissions", "simulated") {
            guard let role else { return (false, "no role to simulate") }
            let p = caller.partition
            let bucketArn = "arn:\(p):s3:::\(bucket)"
            // ExportImage writes under the staging prefix; the tools move the verified images out.
            let objects =
                "\(bucketArn)/\(AssetConventions.imagesKeyPrefix(imagesPrefix: stagingPrefix, assetId: assetId))x"
            let images = "arn:\(p):ec2:\(client.region)::image/*"
            let snapshots = "arn:\(p):ec2:\(client.region)::snapshot/*"
            let needs: [([String], [String])] = [
                (["s3:GetBucketLocation", "s3:GetBucketAcl", "s3:ListBucket"], [bucketArn]),
                (["s3:GetObject", "s3:PutObject"], [objects]),
                (["ec2:CopySnapshot", "ec2:ModifySnapshotAttribute"], [snapshots]),
                (["ec2:RegisterImage"], [images, snapshots]),
                (["ec2:DescribeImages"], ["*"]),
            ]
            let simulator = PolicySimulator(client)
            let denied = try needs.flatMap {
                try simulator.denials(principal: role.arn, actions: $0.0, resources: $0.1, context: [])
            }
            return denied.isEmpty
                ? (true, "what VM Import/Export needs of it")
                : (false, "it may not " + denied.map { "\($0.action) on \($0.resource)" }.joined(separator: ", "))
        }
    }

    /// AWS refuses a sixth concurrent export in the Region, and a launch over the vCPU quota.
    func quotaChecks(_ client: AWSClient, _ check: Check) throws {
        try check("export tasks running in \(client.region)", "read") {
            let active = try ExportTasks(client).activeCount()
            let free = Preflight.exportTaskQuota - active
            return free >= exports
                ? (true, "\(active) active, \(free) of \(Preflight.exportTaskQuota) free for \(exports)")
                : (
                    false,
                    "\(active) active: \(free) of \(Preflight.exportTaskQuota) free, the release starts \(exports) at once"
                )
        }
        try check("vCPUs of running standard instances", "read") {
            let quota = ServiceQuotas.standardInstances
            guard let limit = try ServiceQuotas(client).value(service: quota.service, code: quota.code) else {
                return (false, "Service Quotas has no value for ec2 \(quota.code)")
            }
            let instances = Instances(client)
            let running = try instances.runningTypes().filter(Preflight.isStandard)
            let vCPUs = try instances.vCPUs(of: Set(running + [instanceType]))
            guard let needed = vCPUs[instanceType] else { return (false, "EC2 knows no instance type \(instanceType)") }
            let used = running.reduce(0) { $0 + (vCPUs[$1] ?? 0) }
            let fits = Double(used + needed) <= limit
            let summary = "\(used) used, \(instanceType) needs \(needed), the quota (\(quota.code)) is \(Int(limit))"
            return fits ? (true, summary) : (false, summary + ": ask for more in Service Quotas, or stop instances")
        }
    }

    /// Whether the standard vCPU quota counts this type (its family's first letter).
    static func isStandard(_ type: String) -> Bool { type.first.map(standardFamilies.contains) ?? false }

    /// VM Import/Export exports an available image without marketplace or billing product codes.
    func exportable(_ image: Image?) -> (Bool, String) {
        guard let image else { return (false, "no such image in the Region") }
        var problems: [String] = []
        if image.state != "available" { problems.append("it is \(image.state)") }
        if image.ownerId != Preflight.canonical {
            problems.append("its owner is \(image.ownerId ?? "unknown"), not Canonical (\(Preflight.canonical))")
        }
        if !image.productCodes.isEmpty {
            problems.append(
                "it has product codes (\(image.productCodes.joined(separator: ", "))), which VM Import/Export refuses")
        }
        if let usage = image.usageOperation, usage != "RunInstances" {
            problems.append("it is billed as \(usage), a billing product VM Import/Export refuses")
        }
        return problems.isEmpty
            ? (true, "\(image.name), Canonical's, no billing product") : (false, problems.joined(separator: "; "))
    }
}
