import AWSCore

/// Tagging after the fact, for what cannot be tagged at creation: resource ids in, CreateTags
/// in batches.
public enum Tagging {
    /// AWS takes up to 1000 ids a call and recommends fewer.
    public static let batchSize = 200

    /// The ids of a list of strings or of objects with `id`, in order, without repeats; anything
    /// else is a usage error naming the item.
    public static func ids(_ values: [JSON]) throws -> [String] {
        var ids: [String] = []
        var seen: Set<String> = []
        for (i, v) in values.enumerated() {
            let what = "item \(i + 1)"
            let id = try v.object != nil ? Fields(v, what: what).requiredString("id") : v.string
            guard let id else { throw ToolError.usage("\(what): expected a resource id string or an object with \"id\", got \(v.typeName)") }
            guard isResourceId(id) else {
                throw ToolError.usage("\(what): '\(id)' is not an EC2 resource id (such as ami-0123456789abcdef0)")
            }
            if seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }

    /// `prefix-suffix` of lower-case letters and digits: ami-…, snap-…, export-ami-…, key-….
    static func isResourceId(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return s.count <= 64 && parts.count >= 2 && parts[0].first?.isLetter == true
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } }
    }

    /// Tags every id with `key=value`, a batch per call; repeating it changes nothing.
    public static func tag(_ ids: [String], key: String, value: String, client: AWSClient) throws {
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            try Images(client).tag(Array(ids[start..<min(start + batchSize, ids.count)]), [(key, value)])
        }
    }
}
