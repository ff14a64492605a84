/// Retries like the SDKs' standard mode: `AWS_MAX_ATTEMPTS` (default 3; legacy mode 5),
/// full-jitter exponential backoff capped at 20 s, a retry quota that stops retry storms,
/// and retries only of what is safe to repeat. Adaptive mode adds `ClientRateLimiter`.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var mode: String
    public static let maxBackoff = 20.0

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
    ]
    static let transientStatus: Set<Int> = [500, 502, 503, 504]

    public init(maxAttempts: Int = 3, mode: String = "standard") {
        self.maxAttempts = maxAttempts
        self.mode = mode
    }

    public init(environment env: [String: String], config: SharedConfig?) throws {
        let mode = (env["AWS_RETRY_MODE"] ?? config?.value("retry_mode") ?? "standard").lowercased()
        guard ["standard", "legacy", "adaptive"].contains(mode) else {
            throw ToolError.usage("invalid AWS_RETRY_MODE '\(mode)': expected standard, legacy or adaptive")
        }
        let defaultAttempts = mode == "legacy" ? 5 : 3
        let raw = env["AWS_MAX_ATTEMPTS"] ?? config?.value("max_attempts")
        guard let attempts = raw.map({ Int($0) }) ?? defaultAttempts, attempts >= 1 else {
            throw ToolError.usage("invalid AWS_MAX_ATTEMPTS '\(raw ?? "")': expected a whole number of 1 or more")
        }
        self.init(maxAttempts: attempts, mode: mode)
    }

    public enum Outcome {
        case response(status: Int, code: String)
        case transport(notSent: Bool, timedOut: Bool)
    }

    /// Whether the outcome may be retried. Throttling and requests that never left are always safe;
    /// server errors and dropped connections only when repeating the call cannot create twice.
    public func isRetryable(_ outcome: Outcome, idempotent: Bool) -> Bool {
        switch outcome {
        case let .response(status, code):
            if RetryPolicy.throttlingCodes.contains(code) || status == 429 { return true }
            return idempotent
                && (RetryPolicy.transientStatus.contains(status) || RetryPolicy.transientCodes.contains(code))
        case let .transport(notSent, _):
            return notSent || idempotent
        }
    }

    public func isThrottling(_ outcome: Outcome) -> Bool {
        if case let .response(status, code) = outcome {
            return RetryPolicy.throttlingCodes.contains(code) || status == 429
        }
        return false
    }

    /// Full jitter: a uniform draw in [0, min(20, 2^(attempt-1))) seconds, attempt counted from 1.
    public func backoff(attempt: Int, random: Double) -> Double {
        random * min(RetryPolicy.maxBackoff, Double(1 << min(max(attempt - 1, 0), 10)))
    }
}
