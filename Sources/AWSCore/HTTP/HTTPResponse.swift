/// What came back: the status, the headers (names lower-cased) and the body, in memory or,
/// when the caller asked for it, streamed into a file.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var bodyFile: String?
}
