/// SigV4 stage 2: the string to sign, binding the canonical request to a time and a scope.
public struct StringToSign: Equatable, Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public let text: String
    public let scope: String

    public init(canonicalRequest: CanonicalRequest, date: AmzDate, region: String, service: String) {
        scope = "\(date.dateStamp)/\(region)/\(service)/aws4_request"
        text = [
            StringToSign.algorithm, date.timestamp, scope,
            Digest.hex(Digest.sha256(canonicalRequest.text)),
        ].joined(separator: "\n")
    }
}
