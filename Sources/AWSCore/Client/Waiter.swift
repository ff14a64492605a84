/// Polls until a condition holds: backoff from a short first poll up to a cap, a deadline,
/// and one stderr line whenever the observed state changes. Interrupts end the wait at once.
/// A long wait outlives the client's few retries: a poll that fails with a transient error
/// (throttling, a server error, a dropped connection) is tried again until the deadline.
public struct Waiter {
    public var what: String
    public var firstDelay: Double = 2
    public var maxDelay: Double = 15
    public var timeout: Double
    /// Quiet waits (tests, nested tools) still report failures through their errors.
    public var progress: Bool = true

    public init(_ what: String, timeout: Double, firstDelay: Double = 2, maxDelay: Double = 15) {
        self.what = what
        self.timeout = timeout
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    public enum Poll<T> {
        /// Done, with the final value.
        case done(T)
        /// Not yet: the state to show when it changed.
        case pending(String)
    }

    /// What a poll (a read, safe to repeat) may try again: what the retry policy retries.
    static func isTransient(_ error: ToolError) -> Bool {
        switch error {
        case .connection: return true
        case let .aws(e): return RetryPolicy().isRetryable(.response(status: e.status, code: e.code), idempotent: true)
        default: return false
        }
    }

    /// Calls `poll` until it answers `.done`, or throws when the deadline passes.
    public func wait<T>(_ poll: () throws -> Poll<T>) throws -> T {
        let deadline = monotonic() + timeout
        var delay = firstDelay
        var last = ""
        while true {
            do {
                switch try poll() {
                case let .done(value):
                    return value
                case let .pending(state):
                    if state != last, progress { log("\(what): \(state)") }
                    last = state
                }
            } catch let e as ToolError where Waiter.isTransient(e) && monotonic() < deadline {
                if progress { log("\(what): \(e); polling again") }
            }
            let left = deadline - monotonic()
            guard left > 0 else {
                throw ToolError.remote(
                    "\(what): still '\(last)' after \(Int(timeout)) s; look at it in the AWS console or raise the timeout"
                )
            }
            try Interrupt.sleep(min(delay, left))
            delay = min(maxDelay, delay * 1.5)
        }
    }
}
