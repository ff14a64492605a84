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

/// Header fields in their order, names as given; lookups ignore case as HTTP does.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }?.value
    }

    /// Replaces every field of that name with one value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    public mutating func remove(_ name: String) {
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// The parts of an absolute http(s) URL, path and query left as written.
public struct URLParts: Sendable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var path: String
    public var query: String

    public init(_ url: String) throws {
        guard let sep = url.firstRange(of: "://") else { throw ToolError.usage("invalid URL '\(url)': expected http:// or https://") }
        scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw ToolError.usage("invalid URL '\(url)': only http and https are supported") }
        var rest = Substring(url[sep.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<pathStart]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var hostPart = String(authority)
        port = nil
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            hostPart = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw ToolError.usage("invalid URL '\(url)': bad port")
            }
            port = p
        }
        guard !hostPart.isEmpty else { throw ToolError.usage("invalid URL '\(url)': no host") }
        host = hostPart.lowercased()
        let pathAndQuery = rest[pathStart...]
        if let q = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<q])
            query = String(pathAndQuery[pathAndQuery.index(after: q)...])
        } else {
            path = String(pathAndQuery)
            query = ""
        }
        if path.isEmpty { path = "/" }
        path = PercentEncoding.wirePath(path)
    }
}
