/// An access key pair, with the session token of temporary credentials. `description` never
/// shows the secret or the token, so a credential cannot leak through a log line.
public struct Credentials: Sendable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they came from, for messages: "environment", "profile dev", "container", …
    public var source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.source = source
    }

    public var description: String { "credentials \(accessKeyId) from \(source)" }
}
