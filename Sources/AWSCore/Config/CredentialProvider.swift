/// The credentials of one process, shared by an `AWSClient` and its siblings on other threads:
/// resolved through the chain at first use, and again when `CredentialRefresh` says they are due
/// or AWS refused them as expired. A lock keeps two threads from fetching at the same time.
public final class CredentialProvider: @unchecked Sendable {
    private let chain: CredentialChain
    private let debug: Bool
    private var current: Credentials?
    private let lock = Lock()

    public init(chain: CredentialChain, debug: Bool = false) {
        self.chain = chain
        self.debug = debug
    }

    /// Valid credentials, fetched with the caller's own connection (an HTTPClient serves one thread).
    public func credentials(http: HTTPClient, now: Int = time(nil)) throws -> Credentials {
        try lock.locked {
            if let c = current, !CredentialRefresh.isDue(expiration: c.expiration, obtained: c.obtained, now: now) {
                return c
            }
            let fresh = try chain.resolve(http: http)
            if debug, current != nil { log("credentials renewed: \(fresh)") }
            current = fresh
            return fresh
        }
    }

    /// AWS called `stale` expired: forget it, unless another thread already replaced it.
    public func expire(_ stale: Credentials) {
        lock.locked { if let c = current, c.isSameKey(as: stale) { current = nil } }
    }
}
