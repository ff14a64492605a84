/// JSON 1.1 (CodeBuild, WAFv2, Secrets Manager, SSM, Service Quotas): a POST of a JSON body to
/// `/` with the operation in `X-Amz-Target`.
public extension AWSClient {
    static let targetPrefixes: [String: String] = [
        "codebuild": "CodeBuild_20161006", "wafv2": "AWSWAF_20190729",
        "secretsmanager": "secretsmanager", "ssm": "AmazonSSM", "logs": "Logs_20140328",
        "servicequotas": "ServiceQuotasV20190624",
    ]

    func json(_ service: String, _ operation: String, _ body: JSON = [:], idempotent: Bool? = nil) throws -> JSON {
        guard let prefix = AWSClient.targetPrefixes[service] else {
            throw ToolError.usage("no JSON target prefix known for \(service)")
        }
        let request = try HTTPRequest(
            method: "POST", url: endpoint(service).url + "/",
            headers: HTTPHeaders([
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "\(prefix).\(operation)"),
            ]),
            body: .bytes(Array(body.serialized().utf8)))
        let names = body.object?.map(\.0) ?? []
        let safe = idempotent ?? Idempotency.isSafeToRepeat(action: operation, parameterNames: names)
        return try ErrorDecoding.body(send(request, service: service, idempotent: safe))
    }
}
