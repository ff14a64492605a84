/// rest-xml (S3): the operation is the method and path; bodies and answers are XML.
public extension AWSClient {
    /// Sends an S3 request. Every S3 method but POST (multipart completion aside) is idempotent,
    /// and so is the POST of DeleteObjects (`?delete`): deleting twice leaves the same bucket.
    func s3(
        _ method: String, bucket: String, key: String = "", query: [(String, String)] = [],
        headers: HTTPHeaders = HTTPHeaders(), body: HTTPRequest.Body = .empty,
        responseFile: String? = nil
    ) throws -> HTTPResponse {
        let q = query.map {
            $0.1.isEmpty && !$0.0.contains("=")
                ? PercentEncoding.encode($0.0) : PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1)
        }
        .joined(separator: "&")
        let request = try HTTPRequest(
            method: method, url: endpoint("s3").s3URL(bucket: bucket, key: key, query: q),
            headers: headers, body: body)
        return try send(
            request, service: "s3", idempotent: method != "POST" || query.contains { $0.0 == "delete" },
            responseFile: responseFile)
    }

    /// The decoded XML of an S3 request, typed by its operation's model.
    func s3JSON(
        _ method: String, bucket: String, key: String = "", query: [(String, String)] = [],
        headers: HTTPHeaders = HTTPHeaders(), body: HTTPRequest.Body = .empty
    ) throws -> JSON {
        let operation = XMLModels.s3.operation(
            method: method, bucket: !bucket.isEmpty, key: !key.isEmpty, queryKeys: Set(query.map(\.0)))
        return try ErrorDecoding.body(
            s3(method, bucket: bucket, key: key, query: query, headers: headers, body: body), service: "s3",
            operation: operation)
    }

    /// The S3 operation a request calls, which its answer does not name: by its method, whether
    /// it names a bucket and a key, path-style (`/bucket/key`) or virtual-hosted
    /// (`bucket.s3.….amazonaws.com/key`), and its query keys.
    static func s3Operation(_ request: HTTPRequest) -> String? {
        let labels = request.host.split(separator: ".")
        let isS3 = { (label: Substring) in label == "s3" || label.hasPrefix("s3-") }
        let virtual = labels.count > 2 && !isS3(labels[0]) && labels.dropFirst().contains(where: isS3)
        let path = request.path.drop { $0 == "/" }
        let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bucket = virtual || !path.isEmpty
        let key = virtual ? !path.isEmpty : parts.count > 1 && !parts[1].isEmpty
        let keys = request.query.split(separator: "&").map { String($0.split(separator: "=", maxSplits: 1)[0]) }
        return XMLModels.s3.operation(method: request.method, bucket: bucket, key: key, queryKeys: Set(keys))
    }
}
