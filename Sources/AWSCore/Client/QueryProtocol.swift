/// The query protocols (EC2 and AWS query: CloudFormation, IAM, STS): `Action` and `Version`
/// plus flattened parameters, sent as a POST form body — GET is not accepted everywhere.
public extension AWSClient {
    static let apiVersions: [String: String] = [
        "ec2": "2016-11-15", "cloudformation": "2010-05-15", "iam": "2010-05-08", "sts": "2011-06-15",
    ]

    /// Calls one action and returns its decoded body (typed, root element dropped: see `XMLToJSON`).
    /// Calls that only read are retried freely; the rest only when they carry a client token.
    func query(
        _ service: String, _ action: String, _ params: [(String, String)] = [], idempotent: Bool? = nil,
        signed: Bool = true
    ) throws -> JSON {
        guard let version = AWSClient.apiVersions[service] else {
            throw ToolError.usage("no query API version known for \(service)")
        }
        let body = PercentEncoding.form([("Action", action), ("Version", version)] + params)
        let request = try HTTPRequest(
            method: "POST", url: endpoint(service).url + "/",
            headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]),
            body: .bytes(Array(body.utf8)))
        let safe = idempotent ?? Idempotency.isSafeToRepeat(action: action, parameterNames: params.map(\.0))
        return try ErrorDecoding.body(
            send(request, service: service, idempotent: safe, signed: signed), service: service)
    }

    /// Every item of a paged action: `NextToken` goes in, and comes back as `nextToken` (EC2) or
    /// `NextToken` inside `<Action>Result` (AWS query); `list` names the items' element.
    func queryAll(_ service: String, _ action: String, _ params: [(String, String)] = [], list: String) throws -> [JSON]
    {
        try Pagination.all { token in
            var page = try query(service, action, params + (token.map { [("NextToken", $0)] } ?? []))
            if service != "ec2" { page = page["\(action)Result"] ?? .null }
            return (page[list]?.list ?? [], (page["nextToken"] ?? page["NextToken"])?.string)
        }
    }
}
