/// The standard mode's retry quota: each retry spends tokens (more after a timeout), each
/// success returns some, and an empty bucket stops retrying until calls succeed again.
public final class RetryQuota {
    public private(set) var tokens: Int
    static let retryCost = 5
    static let timeoutCost = 10

    public init(capacity: Int = 500) { tokens = capacity }

    public func acquire(timedOut: Bool) -> Int? {
        let cost = timedOut ? RetryQuota.timeoutCost : RetryQuota.retryCost
        guard tokens >= cost else { return nil }
        tokens -= cost
        return cost
    }

    public func release(_ cost: Int?) { tokens = min(500, tokens + (cost ?? 1)) }
}
