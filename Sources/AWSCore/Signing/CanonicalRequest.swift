/// SigV4 stage 1: the canonical request.
///
///     METHOD \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload hash
public struct CanonicalRequest: Equatable, Sendable {
    public let text: String
    public let signedHeaders: String

    /// Headers that proxies and clients change in flight; signing them would break the signature.
    static let unsignable: Set<String> = [
        "authorization", "user-agent", "expect", "x-amzn-trace-id", "connection",
        "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-authorization",
    ]

    /// - Parameters:
    ///   - path: the path in its wire form.
    ///   - s3: S3 signs the wire path as it is; every other service normalises it and encodes it again.
    public init(
        method: String, path: String, query: String, headers: HTTPHeaders, payloadHash: String,
        s3: Bool, normalizePath: Bool = true
    ) {
        let (canonicalHeaders, signed) = CanonicalRequest.headers(headers)
        signedHeaders = signed
        text = [
            method.uppercased(),
            CanonicalRequest.uri(path, s3: s3, normalize: normalizePath),
            CanonicalRequest.query(query),
            canonicalHeaders,
            signed,
            payloadHash,
        ].joined(separator: "\n")
    }

    static func uri(_ path: String, s3: Bool, normalize: Bool) -> String {
        if s3 { return path.isEmpty ? "/" : path }
        let p = normalize ? removeDotSegments(path) : path
        return PercentEncoding.encode(p, keepSlash: true)
    }

    /// RFC 3986 dot-segment removal plus merging of repeated slashes, keeping a trailing slash.
    static func removeDotSegments(_ path: String) -> String {
        var out: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = out.popLast(); continue }
            out.append(segment)
        }
        var result = "/" + out.joined(separator: "/")
        if path.hasSuffix("/"), result != "/" { result += "/" }
        return result
    }

    /// Decoded then re-encoded pairs, sorted by key and then value; a key without `=` has an empty value.
    static func query(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentEncoding.encode(PercentEncoding.decode(String(kv[0])))
            let value = kv.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(String(kv[1]))) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Lower-cased names, sorted; values trimmed with inner runs of spaces folded; repeated
    /// names joined by commas in their order.
    static func headers(_ headers: HTTPHeaders) -> (canonical: String, signed: String) {
        var byName: [String: [String]] = [:]
        var names: [String] = []
        for field in headers {
            let name = field.name.lowercased()
            if unsignable.contains(name) { continue }
            if byName[name] == nil { names.append(name) }
            byName[name, default: []].append(foldSpaces(field.value))
        }
        names.sort()
        let canonical = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    static func foldSpaces(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
