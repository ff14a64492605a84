import Testing
@testable import AWSCore

struct RetryTests {
    let policy = RetryPolicy()

    @Test func throttlingIsAlwaysRetryable() {
        for code in [
            "Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown", "TooManyRequestsException",
        ] {
            #expect(policy.isRetryable(.response(status: 400, code: code), idempotent: false))
        }
    }

    @Test func serverErrorsAndDropsOnlyWhenIdempotent() {
        for status in [500, 502, 503, 504] {
            #expect(policy.isRetryable(.response(status: status, code: "X"), idempotent: true))
            #expect(!policy.isRetryable(.response(status: status, code: "X"), idempotent: false))
        }
        #expect(policy.isRetryable(.response(status: 400, code: "RequestTimeout"), idempotent: true))
        #expect(policy.isRetryable(.transport(notSent: false, timedOut: false), idempotent: true))
        #expect(!policy.isRetryable(.transport(notSent: false, timedOut: true), idempotent: false))
        #expect(policy.isRetryable(.transport(notSent: true, timedOut: false), idempotent: false))
    }

    @Test func clientErrorsAreFinal() {
        #expect(!policy.isRetryable(.response(status: 400, code: "ValidationError"), idempotent: true))
        #expect(!policy.isRetryable(.response(status: 403, code: "SignatureDoesNotMatch"), idempotent: true))
    }

    @Test func fullJitterBackoffIsCapped() {
        #expect(policy.backoff(attempt: 1, random: 0.999) < 1.0)
        #expect(policy.backoff(attempt: 3, random: 0.5) == 2.0)
        #expect(policy.backoff(attempt: 30, random: 0.999) <= 20.0)
        #expect(policy.backoff(attempt: 2, random: 0) == 0)
    }

    @Test func settingsFromEnvironment() throws {
        #expect(try RetryPolicy(environment: [:], config: nil).maxAttempts == 3)
        #expect(try RetryPolicy(environment: ["AWS_RETRY_MODE": "legacy"], config: nil).maxAttempts == 5)
        #expect(try RetryPolicy(environment: ["AWS_MAX_ATTEMPTS": "7"], config: nil).maxAttempts == 7)
        #expect(throws: (any Error).self) { try RetryPolicy(environment: ["AWS_MAX_ATTEMPTS": "zero"], config: nil) }
        #expect(throws: (any Error).self) { try RetryPolicy(environment: ["AWS_RETRY_MODE": "yolo"], config: nil) }
    }

    @Test func quotaEmptiesAndRefills() {
        let q = RetryQuota(capacity: 12)
        #expect(q.acquire(timedOut: false) == 5)
        #expect(q.acquire(timedOut: false) == 5)
        #expect(q.acquire(timedOut: false) == nil)
        q.release(5)
        #expect(q.acquire(timedOut: true) == nil)
        #expect(q.acquire(timedOut: false) == 5)
    }
}
