/// A failure below HTTP: no response at all.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let message: String
    /// True when curl never got the request to the server, so even a creating call may be retried.
    public let notSent: Bool
    public var description: String { message }
}
