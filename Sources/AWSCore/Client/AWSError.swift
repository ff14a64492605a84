/// An error answered by AWS, decoded the same way for every protocol.
public struct AWSError: Error, CustomStringConvertible, Sendable {
    public var code: String
    public var message: String
    public var requestId: String?
    public var status: Int

    public init(code: String, message: String, requestId: String? = nil, status: Int) {
        self.code = code
        self.message = message
        self.requestId = requestId
        self.status = status
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let requestId, !requestId.isEmpty { s += " (request id \(requestId))" }
        return s
    }
}
