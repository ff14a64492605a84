/// A request described as JSON, the `aws-sign-request` contract:
/// `{"service","region","method","url" | "path"+"query","headers","body" | "bodyFile","outputFile"}`.
public struct RawRequest {
    public var service: String
    public var region: String?
    public var request: HTTPRequest
    public var outputFile: String?

    static let fields: Set<String> = [
        "service", "region", "method", "url", "path", "query", "headers", "body", "bodyFile", "outputFile",
    ]

    /// Validates everything before anything is sent; flags win over the JSON.
    public static func parse(
        _ json: JSON, serviceFlag: String?, regionFlag: String?,
        environment: [String: String], endpoint: (String, String?) throws -> Endpoint
    ) throws -> RawRequest {
        let f = try Fields(json, what: "request")
        try f.rejectUnknownKeys(allowed: fields)
        let url = try f.string("url")
        var service = try serviceFlag ?? f.string("service") ?? environment["AWS_SIGN_SERVICE"]
        if service == nil, let url { service = serviceFromHost(try URLParts(url).host) }
        guard let service, !service.isEmpty else {
            throw ToolError.usage(
                "request: missing 'service' (or --service, or a url on amazonaws.com to derive it from)")
        }
        // The service names the endpoint's host: only a signing name's characters.
        guard service.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw ToolError.usage(
                "request: invalid service '\(service)': use a signing name of a-z, 0-9 and '-' (ec2, s3, cloudformation)"
            )
        }
        let region = try regionFlag ?? f.string("region")
        let body: HTTPRequest.Body
        if let text = try f.string("body") {
            guard json["bodyFile"] == nil else { throw ToolError.usage("request: give 'body' or 'bodyFile', not both") }
            body = .bytes(Array(text.utf8))
        } else if let file = try f.string("bodyFile") {
            guard access(file, R_OK) == 0 else {
                throw ToolError.usage("request: bodyFile '\(file)' is not readable: \(errnoMessage())")
            }
            body = .file(file)
        } else {
            body = .empty
        }
        let method = try f.string("method")?.uppercased() ?? (body == .empty ? "GET" : "POST")
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ToolError.usage("request: invalid method '\(method)'")
        }
        guard method != "HEAD" || body == .empty || body == .bytes([]) else {
            throw ToolError.usage("request: a HEAD request sends no body: drop 'body' or 'bodyFile'")
        }
        var headers = HTTPHeaders()
        for (name, value) in try f.object("headers") ?? [] {
            guard let v = value.string else {
                throw ToolError.usage("request: header '\(name)' must be a string, got \(value.typeName)")
            }
            // CR or LF would end the header on the wire and start another one.
            guard !name.isEmpty, !name.unicodeScalars.contains(where: { ": \t\r\n".unicodeScalars.contains($0) }) else {
                throw ToolError.usage("request: invalid header name '\(name)'")
            }
            guard !v.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw ToolError.usage(
                    "request: header '\(name)' holds a line break (CR or LF); a header value is one line")
            }
            headers.add(name, v)
        }
        // The query protocol reads its parameters only from a form body: without this type the
        // service ignores them (and answers as if none were given).
        if headers["Content-Type"] == nil, case let .bytes(b) = body, isQueryForm(b) {
            headers.add("Content-Type", formContentType)
        }
        let target: String
        if let url {
            guard json["path"] == nil, json["query"] == nil else {
                throw ToolError.usage("request: give 'url', or 'path' and 'query', not both")
            }
            target = url
        } else {
            let base = try endpoint(service, region).url
            var path = try f.string("path") ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            target = base + PercentEncoding.encode(path, keepSlash: true) + (try queryString(f.object("query") ?? []))
        }
        let request = try HTTPRequest(method: method, url: target, headers: headers, body: body)
        return RawRequest(service: service, region: region, request: request, outputFile: try f.string("outputFile"))
    }

    static let formContentType = "application/x-www-form-urlencoded; charset=utf-8"

    /// A query-protocol body: `name=value` pairs joined by `&`, one of them `Action`.
    static func isQueryForm(_ body: [UInt8]) -> Bool {
        let pairs = String(decoding: body, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: false)
        return pairs.allSatisfy { $0.contains("=") && !$0.contains(" ") && !$0.contains("\n") }
            && pairs.contains { $0.hasPrefix("Action=") }
    }

    /// `?a=1&b=x&b=y`: raw values encoded here; an array repeats its key.
    static func queryString(_ query: [(String, JSON)]) throws -> String {
        var pairs: [String] = []
        for (key, value) in query {
            for item in value.array ?? [value] {
                let text: String
                switch item {
                case let .string(s): text = s
                case let .number(n):
                    guard n.isFinite else {
                        throw ToolError.usage(
                            "request: query '\(key)' is a number too large for a double; give it as a string")
                    }
                    text = JSON.format(n)
                case let .bool(b): text = b ? "true" : "false"
                default:
                    throw ToolError.usage(
                        "request: query '\(key)' must be a string, number, boolean or an array of them")
                }
                pairs.append(PercentEncoding.encode(key) + "=" + PercentEncoding.encode(text))
            }
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// `ec2.eu-west-1.amazonaws.com` → `ec2`; `bucket.s3.eu-west-1.amazonaws.com` → `s3`.
    static func serviceFromHost(_ host: String) -> String? {
        guard host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn") else { return nil }
        let labels = host.split(separator: ".")
        if labels.contains(where: { $0 == "s3" || $0.hasPrefix("s3-") }) { return "s3" }
        return labels.first.map(String.init)
    }

    /// The region an `amazonaws.com` url names (`ec2.us-east-1.amazonaws.com` → `us-east-1`).
    static func regionFromHost(_ host: String) -> String? {
        guard serviceFromHost(host) != nil else { return nil }
        return host.split(separator: ".").map(String.init).first { (try? Region.validate($0)) != nil }
    }

    /// A warning when the url is another region's endpoint than the one the request is signed for
    /// (AWS then refuses the signature, or a script meant another region).
    public func regionWarning(_ client: AWSClient) -> String? {
        guard let named = RawRequest.regionFromHost(request.host) else { return nil }
        let signing = client.endpoint(service).signingRegion
        guard named != signing else { return nil }
        return
            "the url \(request.host) is \(named)'s endpoint, but the request is signed for \(signing); set \"region\" (or --region) to \(named) if that is meant"
    }

    /// Whether repeating the request cannot create anything twice: every verb but POST, and
    /// POSTs of read-only actions or with an idempotency token, in a JSON or a form body.
    public var isIdempotent: Bool {
        let r = request
        guard r.method == "POST" else { return true }
        guard case let .bytes(bytes) = r.body else { return false }
        let action = r.action ?? ""
        if r.headers["X-Amz-Target"] != nil {
            let names = (try? JSON.parse(bytes))?.object?.map(\.0) ?? []
            return Idempotency.isSafeToRepeat(action: action, parameterNames: names)
        }
        let pairs = String(decoding: bytes, as: UTF8.self).split(separator: "&")
            .map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        return Idempotency.isSafeToRepeat(action: action, parameterNames: pairs.compactMap(\.first))
    }

    /// `--dry-run`: the request as it would be sent, with every header the signature adds:
    /// `{"method","url","headers","body"}`. The session token and secret key read `<redacted>`
    /// unless `showSecrets`.
    public func signed(by client: AWSClient, showSecrets: Bool = false) throws -> JSON {
        var signed = request
        let signer = try client.signer(for: service)
        try signer.sign(&signed, at: client.signingTime ?? .now())
        let redaction = Redaction(signer.credentials)
        let clean = { (text: String) in showSecrets ? text : redaction.apply(text) }
        var body: JSON = .null
        if case let .bytes(b) = signed.body { body = .string(clean(String(decoding: b, as: UTF8.self))) }
        return [
            "method": .string(signed.method), "url": .string(clean(signed.url)),
            "headers": .object(signed.headers.fields.map { ($0.name, .string(clean($0.value))) }), "body": body,
        ]
    }

    /// Sends the request, retrying what is safe to repeat, and answers
    /// `{"status","headers","body","json"}` (`bodyFile` instead of `body` with an `outputFile`);
    /// repeated headers are joined with `, `. A non-2xx answer throws.
    public func send(_ client: AWSClient) throws -> JSON {
        let response = try client.send(request, service: service, idempotent: isIdempotent, responseFile: outputFile)
        var headers: [(String, JSON)] = []
        for field in response.headers {
            if let i = headers.firstIndex(where: { $0.0 == field.name }) {
                headers[i].1 = .string((headers[i].1.string ?? "") + ", " + field.value)
            } else {
                headers.append((field.name, .string(field.value)))
            }
        }
        var result: JSON = ["status": JSON(response.status), "headers": .object(headers)]
        if let file = response.bodyFile {
            result.set("bodyFile", .string(file))
            result.set("json", .null)
        } else {
            result.set("body", .string(String(decoding: response.body, as: UTF8.self)))
            let operation = service == "s3" ? AWSClient.s3Operation(request) : nil
            result.set("json", try ErrorDecoding.body(response, service: service, operation: operation))
        }
        return result
    }
}
