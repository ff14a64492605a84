/// The parts of an absolute http(s) URL, path and query left as written.
public struct URLParts: Sendable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var path: String
    public var query: String

    public init(_ url: String) throws {
        guard let sep = url.firstRange(of: "://") else {
            throw ToolError.usage("invalid URL '\(url)': expected http:// or https://")
        }
        scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw ToolError.usage("invalid URL '\(url)': only http and https are supported")
        }
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
