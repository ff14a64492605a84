/// The query protocols (EC2 and AWS query: CloudFormation, IAM, STS): `Action` and `Version`
/// plus flattened parameters, sent as a POST form body — GET is not accepted everywhere.
public extension AWSClient {
    static let apiVersions: [String: String] = [
        "ec2": "2016-11-15", "cloudformation": "2010-05-15", "iam": "2010-05-08", "sts": "2011-06-15",
    ]

    /// Calls one action and returns its decoded body (root element dropped, see `XMLToJSON`).
    /// Calls that only read are retried freely; the rest only when they carry a client token.
    func query(_ service: String, _ action: String, _ params: [(String, String)] = [], idempotent: Bool? = nil) throws -> JSON {
        guard let version = AWSClient.apiVersions[service] else { throw ToolError.usage("no query API version known for \(service)") }
        let body = PercentEncoding.form([("Action", action), ("Version", version)] + params)
        let request = try HTTPRequest(method: "POST", url: endpoint(service).url + "/",
                                      headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]),
                                      body: .bytes(Array(body.utf8)))
        let safe = idempotent ?? AWSClient.isReadOnly(action) || params.contains { QueryParams.tokenNames.contains($0.0) }
        return try ErrorDecoding.body(send(request, service: service, idempotent: safe))
    }

    /// Every item of a paged action: `NextToken` goes in, and comes back as `nextToken` (EC2) or
    /// `NextToken` inside `<Action>Result` (AWS query); `list` names the items' element.
    func queryAll(_ service: String, _ action: String, _ params: [(String, String)] = [], list: String) throws -> [JSON] {
        try Pagination.all { token in
            var page = try query(service, action, params + (token.map { [("NextToken", $0)] } ?? []))
            if service != "ec2" { page = page["\(action)Result"] ?? .null }
            return (page[list]?.list ?? [], (page["nextToken"] ?? page["NextToken"])?.string)
        }
    }

    static func isReadOnly(_ action: String) -> Bool {
        ["Describe", "List", "Get", "Validate", "Search", "Estimate"].contains { action.hasPrefix($0) }
    }
}

/// Builds flattened query parameters: EC2 lists are `Name.1`, `Name.2`; AWS query lists are
/// `Name.member.1`. Structures nest with dots.
public struct QueryParams {
    public private(set) var pairs: [(String, String)] = []
    static let tokenNames: Set<String> = ["ClientToken", "ClientRequestToken"]

    public init() {}

    public mutating func add(_ name: String, _ value: String?) {
        if let value { pairs.append((name, value)) }
    }

    /// `Name.1=a&Name.2=b` (EC2) or, with `member`, `Name.member.1=a…` (AWS query).
    public mutating func list(_ name: String, _ values: [String], member: Bool = false) {
        for (i, v) in values.enumerated() { pairs.append(("\(name)\(member ? ".member" : "").\(i + 1)", v)) }
    }

    /// EC2 filters: `Filter.N.Name` and `Filter.N.Value.M`.
    public mutating func filters(_ filters: [(String, [String])]) {
        for (i, f) in filters.enumerated() {
            pairs.append(("Filter.\(i + 1).Name", f.0))
            for (j, v) in f.1.enumerated() { pairs.append(("Filter.\(i + 1).Value.\(j + 1)", v)) }
        }
    }

    /// EC2 tags at creation: `TagSpecification.N.ResourceType` with `Tag.M.Key/Value`.
    public mutating func tagSpecifications(_ resourceTypes: [String], tags: [(String, String)]) {
        for (i, type) in resourceTypes.enumerated() {
            pairs.append(("TagSpecification.\(i + 1).ResourceType", type))
            for (j, t) in tags.enumerated() {
                pairs.append(("TagSpecification.\(i + 1).Tag.\(j + 1).Key", t.0))
                pairs.append(("TagSpecification.\(i + 1).Tag.\(j + 1).Value", t.1))
            }
        }
    }
}
