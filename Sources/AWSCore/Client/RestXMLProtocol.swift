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

    /// The decoded XML of an S3 request.
    func s3JSON(
        _ method: String, bucket: String, key: String = "", query: [(String, String)] = [],
        headers: HTTPHeaders = HTTPHeaders(), body: HTTPRequest.Body = .empty
    ) throws -> JSON {
        try ErrorDecoding.body(s3(method, bucket: bucket, key: key, query: query, headers: headers, body: body))
    }
}
