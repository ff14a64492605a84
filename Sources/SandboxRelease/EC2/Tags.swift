import AWSCore

/// EC2 tags on any resource (AMIs, snapshots, export tasks, key pairs): CreateTags, DeleteTags
/// and DescribeTags, the `tagSet` lists EC2 answers with, and the resource ids tag-assets accepts.
/// Tags given at creation travel as `QueryParams.tagSpecifications` with the creating call.
public struct Tags {
    /// AWS takes up to 1000 ids a call and recommends fewer.
    public static let batchSize = 200

    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Tags every resource, a batch per call; repeating it changes nothing, so it is safe to retry.
    public func tag(_ resourceIds: [String], _ tags: [(String, String)]) throws {
        for start in stride(from: 0, to: resourceIds.count, by: Tags.batchSize) {
            var p = QueryParams()
            p.list("ResourceId", Array(resourceIds[start..<min(start + Tags.batchSize, resourceIds.count)]))
            for (i, t) in tags.enumerated() {
                p.add("Tag.\(i + 1).Key", t.0)
                p.add("Tag.\(i + 1).Value", t.1)
            }
            _ = try client.query("ec2", "CreateTags", p.pairs, idempotent: true)
        }
    }

    /// Removes the tag `key` (whatever its value) from a resource. Repeating it changes nothing.
    public func untag(_ resourceId: String, key: String) throws {
        var p = QueryParams()
        p.list("ResourceId", [resourceId])
        p.add("Tag.1.Key", key)
        _ = try client.query("ec2", "DeleteTags", p.pairs, idempotent: true)
    }

    /// EC2's tag lists (`tagSet` of `{key, value}`) as a dictionary.
    public static func decode(_ set: JSON?) -> [String: String] {
        var tags: [String: String] = [:]
        for t in set?.list ?? [] { if let k = t["key"]?.string { tags[k] = t["value"]?.string ?? "" } }
        return tags
    }

    /// The tags of each resource now (DescribeTags, a batch of ids per filter, every page); a
    /// resource without tags, or one that does not exist, is not in the answer.
    public func of(_ resourceIds: [String]) throws -> [String: [String: String]] {
        var tags: [String: [String: String]] = [:]
        for start in stride(from: 0, to: resourceIds.count, by: Tags.batchSize) {
            var p = QueryParams()
            p.filters([("resource-id", Array(resourceIds[start..<min(start + Tags.batchSize, resourceIds.count)]))])
            p.add("MaxResults", "1000")
            for t in try client.queryAll("ec2", "DescribeTags", p.pairs, list: "tagSet") {
                guard let id = t["resourceId"]?.string, let key = t["key"]?.string else { continue }
                tags[id, default: [:]][key] = t["value"]?.string ?? ""
            }
        }
        return tags
    }

    /// The fields whose ids tag-assets takes from an object: list-assets' `Id`, `ami-export
    /// image`'s `ImageId` and `SnapshotIds`, `keypair create`'s `KeyPairId`, `ami-export
    /// export`'s `ExportImageTaskId`. Other fields are ignored.
    static let idFields = ["Id", "ImageId", "SnapshotIds", "KeyPairId", "ExportImageTaskId"]

    /// The ids of a list of strings or of objects holding them (`idFields`), in order, without
    /// repeats; anything else is a usage error naming the item.
    public static func resourceIds(_ values: [JSON]) throws -> [String] {
        var ids: [String] = []
        var seen: Set<String> = []
        for (i, v) in values.enumerated() {
            let what = "item \(i + 1)"
            var found: [String] = []
            if v.object != nil {
                let f = try Fields(v, what: what)
                for key in idFields {
                    if key == "SnapshotIds" {
                        for (j, s) in (try f.array(key) ?? []).enumerated() {
                            guard let id = s.string else {
                                throw ToolError.usage(
                                    "\(what): 'SnapshotIds' item \(j + 1) must be a string, got \(s.typeName)")
                            }
                            found.append(id)
                        }
                    } else if let id = try f.string(key) {
                        found.append(id)
                    }
                }
                if found.isEmpty {
                    throw ToolError.usage(
                        "\(what): no resource id in it (expected one of \(idFields.joined(separator: ", ")))")
                }
            } else if let id = v.string {
                found = [id]
            } else {
                throw ToolError.usage(
                    "\(what): expected a resource id string or an object with \"Id\" (or \"ImageId\"…), got \(v.typeName)"
                )
            }
            for id in found {
                guard isResourceId(id) else {
                    throw ToolError.usage("\(what): '\(id)' is not an EC2 resource id (such as ami-0123456789abcdef0)")
                }
                if seen.insert(id).inserted { ids.append(id) }
            }
        }
        return ids
    }

    /// `prefix-suffix` of lower-case letters and digits: ami-…, snap-…, export-ami-…, key-….
    static func isResourceId(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return s.count <= 64 && parts.count >= 2 && parts[0].first?.isLetter == true
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } }
    }
}
