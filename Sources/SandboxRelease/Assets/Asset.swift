import AWSCore

/// One thing a release left behind, as list-assets prints it and purge-assets reads it back:
/// `{"Kind","Id","Name","State","Created","Size","AssetId","Region","Url","RemoveWith"}`, plus
/// `Bucket` for an S3 object (purge needs it) and `Resources` for a stack.
public struct Asset: Equatable {
    /// The kinds, in the order a purge removes them: what depends on another thing goes first
    /// (an export reads its AMI, an AMI holds its snapshots, a stack's instance uses its security group).
    public enum Kind: String, CaseIterable, Sendable {
        case exportImageTask = "export-image-task"
        case ami
        case snapshot
        case s3Object = "s3-object"
        case stack
        case keyPair = "key-pair"
        case securityGroup = "security-group"

        /// `ami,snapshot` → the kinds; names the unknown one otherwise.
        public static func parseList(_ text: String) throws -> [Kind] {
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw ToolError.usage("--kinds is empty; name some of: \(allNames)") }
            var kinds: [Kind] = []
            for name in names {
                guard let k = Kind(rawValue: name) else {
                    throw ToolError.usage("unknown kind '\(name)' in --kinds; use some of: \(allNames)")
                }
                if !kinds.contains(k) { kinds.append(k) }
            }
            return allCases.filter(kinds.contains)
        }

        public static var allNames: String { allCases.map(\.rawValue).joined(separator: ",") }
    }

    public var kind: Kind
    public var id: String
    public var name: String?
    public var state: String?
    public var created: String?
    public var size: Int64?
    public var assetId: String
    public var region: String
    public var url: String?
    public var bucket: String?
    public var resources: [StackResource]?
    /// An AMI's snapshots, which are its asset too even when nobody tagged them (not printed).
    var snapshotIds: [String] = []
    /// The key of the asset-id tag (not printed): what a purge removes from an export task,
    /// whose record AWS keeps.
    public var tagKey = AssetConventions.defaultTagKey
    /// The profile the listing used, when one was named: `RemoveWith` names it too, so that a
    /// pasted command reaches the same account.
    public var profile: String?

    /// An export task that may still run: listed `active`, or of unknown state. A purge cancels
    /// it before it removes its tag.
    public var mayBeActiveExport: Bool { kind == .exportImageTask && (state == nil || state == "active") }

    public init(
        kind: Kind, id: String, name: String?, state: String?, created: String?, size: Int64?,
        assetId: String, region: String, url: String? = nil, bucket: String? = nil, resources: [StackResource]? = nil
    ) {
        self.kind = kind
        self.id = id
        self.name = name
        self.state = state
        self.created = created
        self.size = size
        self.assetId = assetId
        self.region = region
        self.url = url
        self.bucket = bucket
        self.resources = resources
    }

    /// The plain `aws` command that removes this one asset, for a person to paste. An export
    /// task's record cannot be deleted: an active one is cancelled, an ended one untagged.
    public var removeWith: String {
        let r = "--region \(Asset.shellQuoted(region))" + (profile.map { " --profile \(Asset.shellQuoted($0))" } ?? "")
        switch kind {
        case .exportImageTask where mayBeActiveExport:
            return "aws ec2 cancel-export-task \(r) --export-task-id \(Asset.shellQuoted(id))"
        case .exportImageTask:
            return
                "aws ec2 delete-tags \(r) --resources \(Asset.shellQuoted(id)) --tags \(Asset.shellQuoted("Key=\(tagKey)"))"
        case .ami: return "aws ec2 deregister-image \(r) --image-id \(Asset.shellQuoted(id))"
        case .snapshot: return "aws ec2 delete-snapshot \(r) --snapshot-id \(Asset.shellQuoted(id))"
        case .s3Object: return "aws s3 rm \(r) \(Asset.shellQuoted("s3://\(bucket ?? "")/\(id)"))"
        case .stack: return "aws cloudformation delete-stack \(r) --stack-name \(Asset.shellQuoted(id))"
        case .keyPair: return "aws ec2 delete-key-pair \(r) --key-pair-id \(Asset.shellQuoted(id))"
        case .securityGroup: return "aws ec2 delete-security-group \(r) --group-id \(Asset.shellQuoted(id))"
        }
    }

    public var json: JSON {
        var j: JSON = [
            "Kind": .string(kind.rawValue), "Id": .string(id), "Name": JSON(name), "State": JSON(state),
            "Created": JSON(created), "Size": size.map { .number(Double($0)) } ?? .null,
            "AssetId": .string(assetId), "Region": .string(region), "Url": JSON(url), "RemoveWith": .string(removeWith),
        ]
        if kind == .s3Object { j.set("Bucket", JSON(bucket)) }
        if let resources { j.set("Resources", .array(resources.map(\.json))) }
        return j
    }

    /// Reads back one entry of list-assets' output; a field purge reads that is missing or of
    /// the wrong type is a usage error that names the entry and the field, so purge-assets
    /// refuses before it removes anything. Fields it does not read (`Resources`, `RemoveWith`,
    /// one a person added with jq) cannot change what a purge does and are ignored.
    public init(json: JSON, what: String) throws {
        let f = try Fields(json, what: what)
        let kindName = try f.requiredString("Kind")
        guard let kind = Kind(rawValue: kindName) else {
            throw ToolError.usage("\(what): unknown Kind '\(kindName)' (expected one of \(Kind.allNames))")
        }
        self.kind = kind
        id = try f.requiredString("Id")
        assetId = try f.requiredString("AssetId")
        region = try f.requiredString("Region")
        name = try f.string("Name")
        state = try f.string("State")
        created = try f.string("Created")
        url = try f.string("Url")
        bucket = try f.string("Bucket")
        if let s = json["Size"], !s.isNull {
            // Int64 traps above 2^63: a number that large (or 1e400, read as infinity) is no size.
            guard let n = s.number, n >= 0, n == n.rounded(), n < 0x1p63 else {
                throw ToolError.usage(
                    "\(what): 'Size' must be a whole number of bytes below 2^63, got \(s.number.map { "\($0)" } ?? s.typeName)"
                )
            }
            size = Int64(n)
        } else {
            size = nil
        }
        if kind == .s3Object, bucket?.isEmpty ?? true {
            throw ToolError.usage("\(what): missing 'Bucket' (an s3-object needs it)")
        }
    }

    /// Quotes a word for a POSIX shell only when it needs it.
    static func shellQuoted(_ s: String) -> String {
        let plain =
            !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0)) }
        return plain
            ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
