import AWSCore

/// Renames an S3 object on the server: CopyObject up to the threshold (5 GiB is S3's limit for
/// it), above that a multipart upload whose parts are UploadPartCopy calls run side by side.
/// The size (and for multipart the ETag form) of the copy is checked before the source is
/// deleted. Not one byte of the object passes through this process.
public struct S3Rename {
    public static let maxSinglePartCopy: Int64 = 5 << 30
    public static let minPartSize: Int64 = 5 << 20
    public static let maxParts = 10_000

    /// Objects larger than this are copied in parts.
    public var threshold: Int64 = S3Rename.maxSinglePartCopy
    public var partSize: Int64 = 512 << 20
    public var parallelism = 8

    public init(threshold: Int64 = S3Rename.maxSinglePartCopy, partSize: Int64 = 512 << 20, parallelism: Int = 8) {
        self.threshold = threshold
        self.partSize = partSize
        self.parallelism = parallelism
    }

    /// The byte ranges (inclusive) of the parts: `partSize` each, the last one shorter, and the
    /// part size raised where S3's 10,000-part limit demands it.
    public static func partRanges(size: Int64, partSize: Int64) -> [ClosedRange<Int64>] {
        guard size > 0 else { return [] }
        let needed = (size + Int64(maxParts) - 1) / Int64(maxParts)
        let part = max(partSize, needed)
        return stride(from: Int64(0), to: size, by: Int(part)).map { $0...min($0 + part, size) - 1 }
    }

    /// Whether an ETag has the form of a completed multipart upload of `parts` parts:
    /// `"<32 hex digits>-<parts>"`.
    public static func isMultipartETag(_ etag: String, parts: Int) -> Bool {
        var e = Substring(etag)
        if e.hasPrefix("\""), e.hasSuffix("\""), e.count >= 2 { e = e.dropFirst().dropLast() }
        guard let dash = e.lastIndex(of: "-") else { return false }
        let hex = e[..<dash]
        return hex.count == 32 && hex.allSatisfy(\.isHexDigit) && e[e.index(after: dash)...] == Substring(String(parts))
    }

    /// What a rename did: the object's size, its part count when copied in parts, and the body
    /// bytes that passed through this process (XML only: the proof that no object byte did).
    public struct Outcome {
        public var size: Int64
        public var parts: Int?
        public var bodyBytes: Int64

        /// `ami-export rename`'s answer: `{"Bucket","Key","Size","Parts"}`.
        public func json(bucket: String, key: String) -> JSON {
            [
                "Bucket": .string(bucket), "Key": .string(key), "Size": .number(Double(size)),
                "Parts": parts.map { .number(Double($0)) } ?? .null,
            ]
        }
    }

    /// Copies `from` to `to` in the bucket, checks the copy and deletes `from`.
    /// When `from` is gone but `to` is there, an earlier run got this far: nothing is done again.
    public func run(_ client: AWSClient, bucket: String, from: String, to: String) throws -> Outcome {
        let before = client.http.bytesSent + client.http.bytesReceived
        var outcome = try copyAndDelete(client, bucket: bucket, from: from, to: to)
        outcome.bodyBytes += client.http.bytesSent + client.http.bytesReceived - before
        return outcome
    }

    private func copyAndDelete(_ client: AWSClient, bucket: String, from: String, to: String) throws -> Outcome {
        guard let source = try S3Objects(client).head(bucket: bucket, key: from) else {
            guard let done = try S3Objects(client).head(bucket: bucket, key: to) else {
                throw ToolError.remote(
                    "s3://\(bucket)/\(from) is missing (and s3://\(bucket)/\(to) too): check the bucket and the key")
            }
            return Outcome(size: done.size, parts: nil, bodyBytes: 0)
        }
        var outcome = Outcome(size: source.size, parts: nil, bodyBytes: 0)
        if from == to { return outcome }
        if source.size > threshold {
            let (parts, partBytes) = try copyInParts(client, bucket: bucket, from: from, to: to, size: source.size)
            outcome.parts = parts
            outcome.bodyBytes = partBytes
        } else {
            try S3Rename.checked(client.s3("PUT", bucket: bucket, key: to, headers: copySource(bucket, from)))
        }
        guard let copy = try S3Objects(client).head(bucket: bucket, key: to), copy.size == source.size else {
            throw ToolError.remote(
                "the copy s3://\(bucket)/\(to) does not have the \(source.size) bytes of s3://\(bucket)/\(from); the source is kept, run again"
            )
        }
        if let parts = outcome.parts, !S3Rename.isMultipartETag(copy.etag, parts: parts) {
            throw ToolError.remote(
                "the copy s3://\(bucket)/\(to) has ETag \(copy.etag), not that of \(parts) parts; the source is kept, run again"
            )
        }
        // By its version id: in a versioned bucket a plain delete would keep the whole source as a
        // noncurrent version (NoncurrentVersionDays in stacks/vm-bucket.yaml), a second full-size copy.
        try S3Objects(client).delete(bucket: bucket, key: from, versionId: source.versionId)
        return outcome
    }

    private func copySource(_ bucket: String, _ key: String) -> HTTPHeaders {
        HTTPHeaders([("x-amz-copy-source", "/\(bucket)/" + PercentEncoding.encode(key, keepSlash: true))])
    }

    /// A multipart upload of UploadPartCopy parts, copied by `parallelism` threads each with its
    /// own client; aborted on any failure so no parts are left behind. Returns the part count and
    /// the body bytes the part copies moved through this process.
    private func copyInParts(_ client: AWSClient, bucket: String, from: String, to: String, size: Int64) throws -> (
        Int, Int64
    ) {
        let ranges = S3Rename.partRanges(size: size, partSize: partSize)
        // Not retried: a second upload would only be an empty one, but S3 cannot tell us so.
        guard
            let uploadId = try S3Rename.checked(client.s3("POST", bucket: bucket, key: to, query: [("uploads", "")]))[
                "UploadId"]?.string
        else {
            throw ToolError.remote("CreateMultipartUpload for s3://\(bucket)/\(to) answered without an upload id")
        }
        do {
            let copied = try Parallel.map(
                count: ranges.count, workers: parallelism, setup: { try AWSClient(sibling: client) }
            ) { sibling, i in
                let before = sibling.http.bytesSent + sibling.http.bytesReceived
                var headers = copySource(bucket, from)
                headers.set("x-amz-copy-source-range", "bytes=\(ranges[i].lowerBound)-\(ranges[i].upperBound)")
                let result = try S3Rename.checked(
                    sibling.s3(
                        "PUT", bucket: bucket, key: to,
                        query: [("partNumber", String(i + 1)), ("uploadId", uploadId)], headers: headers))
                guard let etag = result["ETag"]?.string else {
                    throw ToolError.remote("UploadPartCopy of part \(i + 1) answered without an ETag")
                }
                return (etag, sibling.http.bytesSent + sibling.http.bytesReceived - before)
            }
            let body =
                "<CompleteMultipartUpload>"
                + copied.map(\.0).enumerated().map {
                    "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>"
                }.joined() + "</CompleteMultipartUpload>"
            do {
                try S3Rename.checked(
                    client.s3(
                        "POST", bucket: bucket, key: to, query: [("uploadId", uploadId)], body: .bytes(Array(body.utf8))
                    ))
            } catch {
                // The answer may have been lost after S3 completed the upload: the result decides.
                guard let done = try S3Objects(client).head(bucket: bucket, key: to), done.size == size,
                    S3Rename.isMultipartETag(done.etag, parts: ranges.count)
                else { throw error }
            }
            return (ranges.count, copied.reduce(0) { $0 + $1.1 })
        } catch {
            try? Interrupt.cleaningUp {
                _ = try client.s3("DELETE", bucket: bucket, key: to, query: [("uploadId", uploadId)])
            }
            throw error
        }
    }

    /// S3 may answer a copy with 200 and an error in the body; that is a failure too.
    @discardableResult
    static func checked(_ response: HTTPResponse) throws -> JSON {
        let json = try ErrorDecoding.body(response)
        if json["Code"] != nil, json["Message"] != nil { throw ToolError.aws(ErrorDecoding.decode(response)) }
        return json
    }
}
