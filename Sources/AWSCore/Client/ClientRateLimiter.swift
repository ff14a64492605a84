/// `AWS_RETRY_MODE=adaptive`: the SDKs' client-side rate limiter, shared by a client and its
/// siblings. Off until the first throttling answer; from then on each request takes a token from
/// a bucket filled at the send rate. Throttling cuts the rate to 70% of what was measured;
/// successes grow it back along a CUBIC curve (as TCP CUBIC grows a window), reaching the rate of
/// the last throttling after `k` seconds and probing beyond it. The rate never exceeds twice the
/// measured one, so a quiet client does not bank a burst.
public final class ClientRateLimiter: @unchecked Sendable {
    static let beta = 0.7
    static let scale = 0.4
    static let minRate = 0.5
    static let smoothing = 0.8
    /// The measured rate is counted in half-second buckets.
    static let bucketSeconds = 0.5

    private(set) var enabled = false
    private(set) var fillRate = minRate
    private var capacity = 0.0
    private var lastRefill: Double?
    /// CUBIC: the rate at the last throttling, and when that was.
    private(set) var lastMaxRate = 0.0
    private var lastThrottle: Double
    private(set) var measuredRate = 0.0
    private var measuredCount = 0.0
    private var measuredBucket: Double
    private let lock = Lock()

    public init(now: Double = monotonic()) {
        lastThrottle = now
        measuredBucket = (now / Self.bucketSeconds).rounded(.down) * Self.bucketSeconds
    }

    /// How long to wait before sending: 0 while off or while the bucket holds a token. The token
    /// is taken now (the bucket may go below zero), so threads waiting together queue up.
    public func delayBeforeSending(now: Double) -> Double {
        lock.locked {
            guard enabled else { return 0 }
            refill(now)
            capacity -= 1
            return capacity >= 0 ? 0 : -capacity / fillRate
        }
    }

    /// After each answer: a throttling one lowers the send rate, any other lets it grow.
    public func record(throttled: Bool, now: Double) {
        lock.locked {
            measure(now)
            let rate: Double
            if throttled {
                lastMaxRate = enabled ? min(measuredRate, fillRate) : measuredRate
                lastThrottle = now
                rate = lastMaxRate * Self.beta
                enabled = true
            } else {
                rate = Self.cubicRate(secondsSinceThrottle: now - lastThrottle, lastMaxRate: lastMaxRate)
            }
            refill(now)
            fillRate = max(min(rate, 2 * measuredRate), Self.minRate)
            capacity = min(capacity, max(fillRate, 1))
        }
    }

    /// The CUBIC growth after a throttling at `lastMaxRate`: below it at first, equal to it after
    /// `k` seconds, above it afterwards.
    static func cubicRate(secondsSinceThrottle t: Double, lastMaxRate: Double) -> Double {
        let k = cbrt(lastMaxRate * (1 - beta) / scale)
        return scale * pow(t - k, 3) + lastMaxRate
    }

    private func refill(_ now: Double) {
        if let last = lastRefill { capacity = min(max(fillRate, 1), capacity + (now - last) * fillRate) }
        lastRefill = now
    }

    /// A smoothed count of answers per second, updated when a half-second bucket ends.
    private func measure(_ now: Double) {
        measuredCount += 1
        let bucket = (now / Self.bucketSeconds).rounded(.down) * Self.bucketSeconds
        guard bucket > measuredBucket else { return }
        let current = measuredCount / (bucket - measuredBucket)
        measuredRate = current * Self.smoothing + measuredRate * (1 - Self.smoothing)
        measuredCount = 0
        measuredBucket = bucket
    }
}
