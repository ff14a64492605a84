/// SigV4 stage 3: the signing key, an HMAC chain from the secret through date, region and service.
public struct SigningKey: Sendable {
    public let bytes: [UInt8]

    public init(secretAccessKey: String, dateStamp: String, region: String, service: String) {
        var k = Digest.hmacSHA256(key: Array(("AWS4" + secretAccessKey).utf8), Array(dateStamp.utf8))
        k = Digest.hmacSHA256(key: k, Array(region.utf8))
        k = Digest.hmacSHA256(key: k, Array(service.utf8))
        bytes = Digest.hmacSHA256(key: k, Array("aws4_request".utf8))
    }

    /// SigV4 stage 4: the signature of a string to sign, as hex.
    public func signature(of stringToSign: StringToSign) -> String {
        Digest.hex(Digest.hmacSHA256(key: bytes, Array(stringToSign.text.utf8)))
    }
}
