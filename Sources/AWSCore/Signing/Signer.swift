/// Signs requests with SigV4 (header form): adds `X-Amz-Date`, `X-Amz-Security-Token` when the
/// credentials carry one, `x-amz-content-sha256` for S3, and `Authorization`.
public struct Signer: Sendable {
    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    var isS3: Bool { service == "s3" }

    /// The payload hash: S3 streams a file unsigned rather than reading it twice.
    public func payloadHash(_ body: HTTPRequest.Body) throws -> String {
        switch body {
        case .empty: return Digest.emptySHA256
        case let .bytes(b): return Digest.hex(Digest.sha256(b))
        case let .file(path): return isS3 ? "UNSIGNED-PAYLOAD" : Digest.hex(try Digest.sha256(file: path))
        }
    }

    public func sign(_ request: inout HTTPRequest, at date: AmzDate = .now()) throws {
        let hash = try request.headers["x-amz-content-sha256"] ?? payloadHash(request.body)
        for name in ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Host"] { request.headers.remove(name) }
        request.headers.set("Host", request.hostHeader)
        request.headers.set("X-Amz-Date", date.timestamp)
        if let token = credentials.sessionToken { request.headers.set("X-Amz-Security-Token", token) }
        if isS3 { request.headers.set("x-amz-content-sha256", hash) }
        let canonical = CanonicalRequest(
            method: request.method, path: request.path, query: request.query,
            headers: request.headers, payloadHash: hash, s3: isS3)
        let toSign = StringToSign(canonicalRequest: canonical, date: date, region: region, service: service)
        let key = SigningKey(
            secretAccessKey: credentials.secretAccessKey, dateStamp: date.dateStamp,
            region: region, service: service)
        request.headers.set(
            "Authorization",
            "\(StringToSign.algorithm) Credential=\(credentials.accessKeyId)/\(toSign.scope), "
                + "SignedHeaders=\(canonical.signedHeaders), Signature=\(key.signature(of: toSign))")
    }
}
