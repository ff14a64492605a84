import AWSCore

/// The objects of a bucket: listing under a prefix, reading their size, writing, and deleting
/// one or in batches. (Copies are `S3Rename`'s.)
public struct S3Objects {
    let client: AWSClient

    public init(_ client: AWSClient) { self.client = client }

    /// Every object under the prefix (the `Contents` entries of ListObjectsV2), across pages.
    public func list(bucket: String, prefix: String) throws -> [JSON] {
        try Pagination.all { token in
            var q = [("list-type", "2"), ("prefix", prefix)]
            if let token { q.append(("continuation-token", token)) }
            let page = try client.s3JSON("GET", bucket: bucket, query: q)
            return (
                page["Contents"]?.list ?? [],
                page["IsTruncated"]?.bool == true ? page["NextContinuationToken"]?.string : nil
            )
        }
    }

    /// The keys that do not exist, from one listing under their common prefix.
    public func missing(bucket: String, keys: [String]) throws -> Set<String> {
        guard var prefix = keys.first else { return [] }
        for key in keys.dropFirst() {
            while !key.hasPrefix(prefix) { prefix.removeLast() }
        }
        let existing = Set(try list(bucket: bucket, prefix: prefix).compactMap { $0["Key"]?.string })
        return Set(keys.filter { !existing.contains($0) })
    }

    /// Size, ETag and version id (in a versioned bucket) of an object, nil when it does not exist.
    /// S3 answers a HeadObject of a missing key with 403 to a caller that may not list the whole
    /// bucket (API_HeadObject), as the release role may list only under its prefixes: a 403 is
    /// followed by a listing of the key as prefix, which tells a missing object (nil) from a denied
    /// one (thrown, saying that it exists).
    public func head(bucket: String, key: String) throws -> (size: Int64, etag: String, versionId: String?)? {
        do {
            let r = try client.s3("HEAD", bucket: bucket, key: key)
            return (
                Int64(r.headers["content-length"] ?? "") ?? -1, r.headers["etag"] ?? "", r.headers["x-amz-version-id"]
            )
        } catch let ToolError.aws(e) where e.status == 404 {
            return nil
        } catch let ToolError.aws(e) where e.status == 403 {
            let listed: [JSON]
            do { listed = try list(bucket: bucket, prefix: key) } catch let ToolError.aws(l) where l.status == 403 {
                throw ToolError.aws(
                    AWSError(
                        code: "AccessDenied",
                        message: "HeadObject of s3://\(bucket)/\(key) is denied, and so is ListObjectsV2 with that "
                            + "prefix (\(l.message)): whether it exists cannot be told; allow s3:GetObject on it",
                        requestId: e.requestId, status: 403))
            }
            guard listed.contains(where: { $0["Key"]?.string == key }) else { return nil }
            throw ToolError.aws(
                AWSError(
                    code: "AccessDenied",
                    message: "s3://\(bucket)/\(key) exists, but HeadObject of it is denied: allow s3:GetObject on it",
                    requestId: e.requestId, status: 403))
        }
    }

    /// PutObject of a small body.
    public func put(bucket: String, key: String, body: [UInt8]) throws {
        _ = try client.s3("PUT", bucket: bucket, key: key, body: .bytes(body))
    }

    /// DeleteObject: S3 answers the same whether or not the key existed. With a version id that
    /// version goes for good; without one a versioned bucket keeps the object as a noncurrent version.
    public func delete(bucket: String, key: String, versionId: String? = nil) throws {
        _ = try client.s3("DELETE", bucket: bucket, key: key, query: versionId.map { [("versionId", $0)] } ?? [])
    }

    /// DeleteObjects for at most 1000 keys, quietly (only failures are answered). Returns the
    /// keys that failed, each with `Code: Message`.
    public func delete(bucket: String, keys: [String]) throws -> [String: String] {
        precondition(keys.count <= 1000, "DeleteObjects takes at most 1000 keys")
        guard !keys.isEmpty else { return [:] }
        var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
        for key in keys { xml += "<Object><Key>\(S3Objects.xmlEscaped(key))</Key></Object>" }
        xml += "</Delete>"
        let body = Array(xml.utf8)
        // S3 requires a checksum of this body; SHA-256 is the one we already compute.
        let headers = HTTPHeaders([
            ("Content-Type", "application/xml"),
            ("x-amz-checksum-sha256", Base64.encode(Digest.sha256(body))),
        ])
        let answer = try client.s3JSON(
            "POST", bucket: bucket, query: [("delete", "")], headers: headers, body: .bytes(body))
        var failed: [String: String] = [:]
        for e in answer["Error"]?.list ?? [] {
            if let key = e["Key"]?.string {
                failed[key] = "\(e["Code"]?.string ?? "Error"): \(e["Message"]?.string ?? "")"
            }
        }
        return failed
    }

    /// Text for an XML element: the five markup characters as entities.
    static func xmlEscaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
