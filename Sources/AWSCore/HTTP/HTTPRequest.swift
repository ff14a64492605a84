/// A request as it goes on the wire: the path and query are kept in their encoded (wire)
/// form, exactly what the signer must see.
public struct HTTPRequest: Sendable {
    public enum Body: Sendable, Equatable {
        case empty
        case bytes([UInt8])
        /// Streamed from a file, never held in memory.
        case file(String)
    }

    public var method: String
    public var scheme: String
    public var host: String
    public var port: Int?
    public var path: String
    public var query: String
    public var headers: HTTPHeaders
    public var body: Body

    public init(method: String, url: String, headers: HTTPHeaders = HTTPHeaders(), body: Body = .empty) throws {
        self.method = method
        let u = try URLParts(url)
        scheme = u.scheme
        host = u.host
        port = u.port
        path = u.path
        query = u.query
        self.headers = headers
        self.body = body
    }

    /// The Host header value: the port appears only when it is not the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    public var url: String { "\(scheme)://\(hostHeader)\(path)" + (query.isEmpty ? "" : "?\(query)") }

    /// The AWS action a query or JSON request calls (`Action=` of a form body, the operation of
    /// `X-Amz-Target`); nil for REST calls such as S3's.
    public var action: String? {
        if let target = headers["X-Amz-Target"], let op = target.split(separator: ".").last { return String(op) }
        guard case let .bytes(bytes) = body else { return nil }
        let pairs = String(decoding: bytes, as: UTF8.self).split(separator: "&")
        return pairs.first { $0.hasPrefix("Action=") }.map { String($0.dropFirst(7)) }
    }
}
