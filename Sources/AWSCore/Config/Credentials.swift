/// An access key pair, with the session token of temporary credentials. `description` never
/// shows the secret or the token, so a credential cannot leak through a log line.
public struct Credentials: Sendable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they came from, for messages: "environment", "profile dev", "container", …
    public var source: String
    /// When temporary credentials stop working (epoch seconds), and when they were fetched:
    /// `CredentialRefresh` decides from both when to fetch new ones. Nil for long-term keys.
    public var expiration: Int?
    public var obtained: Int

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, source: String,
        expiration: Int? = nil, obtained: Int = time(nil)
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.source = source
        self.expiration = expiration
        self.obtained = obtained
    }

    public var description: String { "credentials \(accessKeyId) from \(source)" }

    /// The same key (and token): how a thread tells whether another already replaced them.
    func isSameKey(as other: Credentials) -> Bool {
        accessKeyId == other.accessKeyId && sessionToken == other.sessionToken
    }
}
